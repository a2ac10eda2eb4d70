"""Runs the permissions service: `python -m services.permissions.main`."""

from __future__ import annotations

# First, before anything imports structlog (see the module).
import services.runtime.no_rich  # noqa: F401

# isort: split
import grpc
from tablemesh.permissions.v1 import permissions_service_pb2_grpc as pb_grpc

from services.permissions.domain import Permissions
from services.permissions.lookup import LookupStore
from services.permissions.parents import ParentStore
from services.permissions.servicer import PermissionsServicer
from services.permissions.store import PermissionStore, outbox
from services.permissions.tree import ResourceTree
from services.runtime import events
from services.runtime.server import Deps, run


def register(server: grpc.aio.Server, deps: Deps) -> None:
    # Both bump the tenant's permission epoch in Redis after each change they commit.
    permissions = Permissions(PermissionStore(deps.db), deps.redis)
    tree = ResourceTree(ParentStore(deps.db), LookupStore(deps.db), deps.redis)
    servicer = PermissionsServicer(permissions, tree)
    pb_grpc.add_PermissionsServiceServicer_to_server(servicer, server)
    # Grants and revocations go to the bus (the audit log records them).
    deps.run_in_background(events.relay(deps.db, deps.redis, outbox))


def main() -> None:
    run("permissions", register)


if __name__ == "__main__":
    main()
