"""Runs the workspaces service: `python -m services.workspaces.main`."""

from __future__ import annotations

# First, before anything imports structlog (see the module).
import services.runtime.no_rich  # noqa: F401

# isort: split
from functools import partial

import grpc
from tablemesh.workspaces.v1 import workspaces_service_pb2_grpc as pb_grpc

from services.runtime import background, events
from services.runtime.server import Deps, run
from services.runtime.service_identity import ServiceTokens
from services.workspaces.access import Access
from services.workspaces.domain import Workspaces
from services.workspaces.link_store import LinkStore
from services.workspaces.lookups import Lookups
from services.workspaces.members import Bases, Members
from services.workspaces.reconcile import place_linked_bases
from services.workspaces.servicer import WorkspacesServicer
from services.workspaces.store import WorkspaceStore, outbox


def register(server: grpc.aio.Server, deps: Deps) -> None:
    store, links = WorkspaceStore(deps.db), LinkStore(deps.db)
    secret = deps.settings.service_secret.get_secret_value()
    tokens = ServiceTokens(deps.clients, "workspaces", secret)
    access = Access(deps.clients, tokens)
    workspaces = Workspaces(store, access)
    lookups = Lookups(deps.clients)
    servicer = WorkspacesServicer(
        workspaces, Members(workspaces, lookups), Bases(workspaces, links, lookups)
    )
    pb_grpc.add_WorkspacesServiceServicer_to_server(servicer, server)
    # Member changes go to the bus (the audit log records them).
    deps.run_in_background(events.relay(deps.db, deps.redis, outbox))
    if deps.settings.worker_index == 0:  # one worker is enough: placing is idempotent
        place = partial(place_linked_bases, links, access)
        deps.run_in_background(background.until_done(place, 5.0, "placing linked bases"))


def main() -> None:
    run("workspaces", register)


if __name__ == "__main__":
    main()
