"""Runs the notifications service: `python -m services.notifications.main`."""

from __future__ import annotations

# First, before anything imports structlog (see the module).
import services.runtime.no_rich  # noqa: F401

# isort: split
import grpc
from tablemesh.notifications.v1 import notifications_service_pb2_grpc as pb_grpc

from services.notifications.catalog import Catalog
from services.notifications.domain import Notifications
from services.notifications.mailer import Deliverer
from services.notifications.outbox import OutboxStore
from services.notifications.servicer import NotificationsServicer
from services.notifications.store import NotificationStore
from services.notifications.template_store import TemplateStore
from services.runtime.server import Deps, run


def register(server: grpc.aio.Server, deps: Deps) -> None:
    catalog = Catalog(TemplateStore(deps.db))
    deliverer = Deliverer(OutboxStore(deps.db))
    notifications = Notifications(NotificationStore(deps.db), catalog, deliverer)
    pb_grpc.add_NotificationsServiceServicer_to_server(
        NotificationsServicer(notifications, catalog), server
    )
    # Retries pending and failed emails in the background, with back-off.
    deps.run_in_background(deliverer.run_forever())


def main() -> None:
    run("notifications", register)


if __name__ == "__main__":
    main()
