"""Runs the users service: `python -m services.users.main`."""

from __future__ import annotations

# First, before anything imports structlog (see the module).
import services.runtime.no_rich  # noqa: F401

# isort: split
import grpc
from tablemesh.users.v1 import users_service_pb2_grpc as pb_grpc

from services.runtime import events
from services.runtime.identity import TokenRevocation
from services.runtime.server import Deps, run
from services.runtime.subscriptions import consumer_name
from services.users import registrations
from services.users.domain import Users
from services.users.servicer import UsersServicer
from services.users.store import ProfileStore, outbox


def register(server: grpc.aio.Server, deps: Deps) -> None:
    revocation = TokenRevocation(deps.redis, deps.settings.access_token_ttl)
    users = Users(ProfileStore(deps.db, deps.redis, deps.tracked), revocation)
    pb_grpc.add_UsersServiceServicer_to_server(UsersServicer(users), server)
    # The profiles of accounts auth registered (see registrations.py).
    made = registrations.subscription(deps.redis, users, consumer_name("users"))
    deps.run_in_background(made.run())
    # Role changes, deactivations and deletions go to the bus (the audit log records them).
    deps.run_in_background(events.relay(deps.db, deps.redis, outbox))


def main() -> None:
    run("users", register)


if __name__ == "__main__":
    main()
