"""Runs the auth service: `python -m services.auth.main`."""

from __future__ import annotations

# First, before anything imports structlog (see the module).
import services.runtime.no_rich  # noqa: F401

# isort: split
import grpc
from tablemesh.auth.v1 import auth_service_pb2_grpc as pb_grpc

from services.auth.app import build
from services.auth.browser_session import SessionCookies
from services.auth.profiles import UsersProfiles
from services.auth.servicer import AuthServicer
from services.auth.store import outbox
from services.runtime import events
from services.runtime.server import Deps, run


async def register(server: grpc.aio.Server, deps: Deps) -> None:
    auth = build(
        deps.db, deps.redis, deps.settings, lambda access: UsersProfiles(deps.clients, access)
    )
    # Auth verifies tokens against its own key store instead of calling its own GetJwks.
    deps.verifier.use_source(auth.keys.jwks)
    pb_grpc.add_AuthServiceServicer_to_server(
        AuthServicer(auth, deps.verifier, SessionCookies.from_settings(deps.settings)), server
    )
    # Publishes user.registered (and other outbox events) to the mesh's event stream.
    deps.run_in_background(events.relay(deps.db, deps.redis, outbox))
    # Writes the events of failed sign-ins and service tokens, off their requests' path.
    deps.run_in_background(auth.spool.run())


def main() -> None:
    run("auth", register)


if __name__ == "__main__":
    main()
