"""Runs the workspaces service: `python -m services.workspaces.main`."""

from __future__ import annotations

import grpc
from tablemesh.workspaces.v1 import workspaces_service_pb2_grpc as pb_grpc

from services.runtime.server import Deps, run
from services.workspaces.access import Access
from services.workspaces.domain import Workspaces
from services.workspaces.members import Bases, Members
from services.workspaces.servicer import WorkspacesServicer
from services.workspaces.store import WorkspaceStore


def register(server: grpc.aio.Server, deps: Deps) -> None:
    store = WorkspaceStore(deps.db)
    workspaces = Workspaces(store, Access(deps.clients))
    servicer = WorkspacesServicer(workspaces, Members(workspaces), Bases(workspaces, store))
    pb_grpc.add_WorkspacesServiceServicer_to_server(servicer, server)


def main() -> None:
    run("workspaces", register)


if __name__ == "__main__":
    main()
