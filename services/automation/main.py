"""Runs the automation service: `python -m services.automation.main`.

It serves files (FilesService) and workflows (WorkflowsService). Besides the API, each
process runs workflow executions (several at once), fires due schedule ticks, starts
workflows from record events on the event bus, and relays its own events
(execution.finished) to the bus.
"""

from __future__ import annotations

# First, before anything imports structlog (see the module).
import services.runtime.no_rich  # noqa: F401

# isort: split
import grpc
from tablemesh.automation.v1 import files_service_pb2_grpc as files_grpc
from tablemesh.automation.v1 import workflows_service_pb2_grpc as workflows_grpc

from services.automation.files.domain import Files
from services.automation.files.servicer import FilesServicer
from services.automation.files.store import FileStore
from services.automation.workflows import app as workflows_app
from services.automation.workflows.mesh_actions import MeshActions, MeshTables
from services.automation.workflows.servicer import WorkflowsServicer
from services.automation.workflows.store import outbox
from services.runtime import events
from services.runtime.server import Deps, run


def register(server: grpc.aio.Server, deps: Deps) -> None:
    cfg = deps.settings
    files = Files(FileStore(deps.db), cfg.files_allowed_extensions, cfg.files_max_bytes)
    files_grpc.add_FilesServiceServicer_to_server(FilesServicer(files), server)
    actions = MeshActions(deps.clients, cfg.service_secret.get_secret_value(), files)
    workflows = workflows_app.build(deps.db, deps.redis, cfg, actions, MeshTables(deps.clients))
    workflows_grpc.add_WorkflowsServiceServicer_to_server(
        WorkflowsServicer(workflows.workflows), server
    )
    deps.run_in_background(workflows.run())
    deps.run_in_background(events.relay(deps.db, deps.redis, outbox))


def main() -> None:
    run("automation", register)


if __name__ == "__main__":
    main()
