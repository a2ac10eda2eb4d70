"""auth, users and notifications in this process on ports of their own
(tests/ports.py, tests/inprocess.py), with email going to the test's SMTP server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import grpc
from tablemesh.auth.v1.auth_service_pb2_grpc import AuthServiceStub
from tablemesh.notifications.v1.notifications_service_pb2_grpc import NotificationsServiceStub

from services.auth import main as auth_main
from services.notifications import main as notifications_main
from services.runtime import registry
from services.users import main as users_main
from tests.inprocess import running_services
from tests.notifications.smtp_server import SmtpServer
from tests.ports import offset


@dataclass
class Mesh:
    auth: AuthServiceStub
    notifications: NotificationsServiceStub


@asynccontextmanager
async def running_mesh(
    database_url: str, redis_url: str, smtp_server: SmtpServer
) -> AsyncIterator[Mesh]:
    env = {
        "TABLEMESH_PORT_OFFSET": str(offset("notifications")),
        "TABLEMESH_ARGON2_MEMORY_KIB": "64",
        "TABLEMESH_ARGON2_TIME_COST": "1",
        "TABLEMESH_SMTP_HOST": "127.0.0.1",
        "TABLEMESH_SMTP_PORT": str(smtp_server.port),
        "TABLEMESH_SMTP_SECURITY": "none",
    }
    services = (
        ("auth", auth_main.register),
        ("users", users_main.register),
        ("notifications", notifications_main.register),
    )
    async with running_services(services, database_url, redis_url, env):
        auth = grpc.aio.insecure_channel(registry.spec("auth").address)
        notifications = grpc.aio.insecure_channel(registry.spec("notifications").address)
        try:
            yield Mesh(AuthServiceStub(auth), NotificationsServiceStub(notifications))
        finally:
            await auth.close(None)
            await notifications.close(None)
