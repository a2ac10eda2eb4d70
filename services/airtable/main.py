"""Runs the airtable service: `python -m services.airtable.main`."""

from __future__ import annotations

# First, before anything imports structlog (see the module).
import services.runtime.no_rich  # noqa: F401

# isort: split
import grpc
from tablemesh.airtable.v1 import airtable_service_pb2_grpc as pb_grpc

from services.airtable.backend import Backend
from services.airtable.base_access import BaseAccess
from services.airtable.cache import CachedBackend
from services.airtable.domain import Airtable
from services.airtable.field_indexes import FieldIndexes
from services.airtable.local_backend import LocalBackend
from services.airtable.local_schema import outbox
from services.airtable.servicer import AirtableServicer
from services.airtable.workspace_links import WorkspaceLinks
from services.runtime import events
from services.runtime.resource_access import ResourceAccess
from services.runtime.server import Deps, run
from services.runtime.service_identity import ServiceTokens


def build_backend(deps: Deps) -> Backend:
    """The backend TABLEMESH_AIRTABLE_BACKEND names, behind the Redis cache."""
    backend: Backend
    if deps.settings.airtable_backend == "airtable":
        from services.airtable.remote_backend import RemoteBackend

        remote = RemoteBackend.from_settings(deps.settings, deps.db, deps.redis)
        deps.on_stop.append(remote.close)
        backend = remote
    else:
        settings = deps.settings
        indexes = FieldIndexes(
            deps.db,
            per_table=settings.airtable_sort_indexes_per_table,
            min_records=settings.airtable_sort_index_min_records,
            uses=settings.airtable_sort_index_uses,
        )
        backend = LocalBackend(
            deps.db, scan_limit=settings.airtable_formula_scan_limit, indexes=indexes
        )
    return CachedBackend(backend, deps.redis)


def register(server: grpc.aio.Server, deps: Deps) -> None:
    secret = deps.settings.service_secret.get_secret_value()
    links = WorkspaceLinks(deps.clients, ServiceTokens(deps.clients, "airtable", secret))
    access = BaseAccess(ResourceAccess(deps.clients, deps.tracked))
    airtable = Airtable(build_backend(deps), access, links)
    pb_grpc.add_AirtableServiceServicer_to_server(AirtableServicer(airtable), server)
    # Publishes the record, table, field and base events the writes left in the outbox.
    deps.run_in_background(events.relay(deps.db, deps.redis, outbox))


def main() -> None:
    run("airtable", register)


if __name__ == "__main__":
    main()
