"""Runs the webhooks service: `python -m services.webhooks.main`.

Besides the API (WebhooksService), each process turns the event bus's events into
messages for the subscribed endpoints (consumer group "webhooks"), delivers due messages
(several at once), and relays its own events (endpoint changes) to the bus.
"""

from __future__ import annotations

# First, before anything imports structlog (see the module).
import services.runtime.no_rich  # noqa: F401

# isort: split
import grpc
from tablemesh.webhooks.v1 import webhooks_service_pb2_grpc as webhooks_grpc

from services.runtime import events
from services.runtime.server import Deps, run
from services.webhooks import app
from services.webhooks.notify import Notifier
from services.webhooks.servicer import WebhooksServicer
from services.webhooks.tables import outbox


def register(server: grpc.aio.Server, deps: Deps) -> None:
    cfg = deps.settings
    notifier = Notifier(deps.clients, cfg.service_secret.get_secret_value())
    built = app.build(deps.db, deps.redis, cfg, notifier.disabled)
    webhooks_grpc.add_WebhooksServiceServicer_to_server(WebhooksServicer(built.webhooks), server)
    deps.run_in_background(built.run())
    deps.run_in_background(events.relay(deps.db, deps.redis, outbox))


def main() -> None:
    run("webhooks", register)


if __name__ == "__main__":
    main()
