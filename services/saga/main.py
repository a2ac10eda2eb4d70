"""Runs the saga service: `python -m services.saga.main`.

Besides the API, each process runs an orchestrator (claims and resumes sagas) and a
consumer of the "tablemesh:events" stream (starts onboarding on user.registered).
"""

from __future__ import annotations

# First, before anything imports structlog (see the module).
import services.runtime.no_rich  # noqa: F401

# isort: split
import grpc
from tablemesh.saga.v1 import saga_service_pb2_grpc as pb_grpc

from services.runtime.server import Deps, run
from services.saga.app import build
from services.saga.servicer import SagaServicer


def register(server: grpc.aio.Server, deps: Deps) -> None:
    app = build(deps.db, deps.redis, deps.clients, deps.settings)
    pb_grpc.add_SagaServiceServicer_to_server(SagaServicer(app.sagas), server)
    # Stopped first (hooks run in order): no saga starts while the running ones hand over.
    deps.run_in_background(app.events.run())
    app.orchestrator.start()
    deps.on_stop.append(app.orchestrator.stop)


def main() -> None:
    run("saga", register)


if __name__ == "__main__":
    main()
