"""auth, users and notifications in this process on TABLEMESH_PORT_OFFSET=1600 ports, built
like runtime.server.serve builds them but without its signal handlers, so tests can stop them."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import grpc
import pytest
from tablemesh.auth.v1.auth_service_pb2_grpc import AuthServiceStub
from tablemesh.notifications.v1.notifications_service_pb2_grpc import NotificationsServiceStub

from services.auth import main as auth_main
from services.notifications import main as notifications_main
from services.runtime import registry
from services.runtime.cache import create_redis
from services.runtime.clients import MeshClients
from services.runtime.config import settings
from services.runtime.db import create_engine, migrate
from services.runtime.identity import TokenVerifier
from services.runtime.interceptors import MeshInterceptor
from services.runtime.server import Deps, Register, jwks_from_auth
from services.users import main as users_main
from tests.notifications.conftest import SmtpServer


async def start(name: str, register: Register, database_url: str, redis_url: str) -> Deps:
    cfg = settings()
    redis = create_redis(redis_url)
    clients = MeshClients()
    verifier = TokenVerifier(jwks_from_auth(clients), redis, cfg.jwt_issuer, cfg.jwt_audience)
    deps = Deps(name, cfg, redis, clients, verifier, create_engine(database_url, pool_size=4))
    server = grpc.aio.server(interceptors=[MeshInterceptor(name, verifier)])
    result = register(server, deps)
    if inspect.isawaitable(result):
        await result
    server.add_insecure_port(f"127.0.0.1:{registry.spec(name).port}")
    await server.start()

    async def stop() -> None:
        await server.stop(1)
        await clients.close()
        await redis.aclose()
        await deps.db.dispose()

    deps.on_stop.append(stop)
    return deps


@dataclass
class Mesh:
    auth: AuthServiceStub
    notifications: NotificationsServiceStub


@asynccontextmanager
async def running_mesh(
    database_url: str, redis_url: str, smtp_server: SmtpServer
) -> AsyncIterator[Mesh]:
    env = {
        "TABLEMESH_PORT_OFFSET": "1600",
        "TABLEMESH_ARGON2_MEMORY_KIB": "64",
        "TABLEMESH_ARGON2_TIME_COST": "1",
        "TABLEMESH_SMTP_HOST": "127.0.0.1",
        "TABLEMESH_SMTP_PORT": str(smtp_server.port),
        "TABLEMESH_SMTP_SECURITY": "none",
    }
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        settings.cache_clear()
        started: list[Deps] = []
        channels: list[grpc.aio.Channel] = []
        try:
            for name, register in (
                ("auth", auth_main.register),
                ("users", users_main.register),
                ("notifications", notifications_main.register),
            ):
                migrate(name, database_url)
                started.append(await start(name, register, database_url, redis_url))
            channels = [
                grpc.aio.insecure_channel(registry.spec(n).address)
                for n in ("auth", "notifications")
            ]
            yield Mesh(AuthServiceStub(channels[0]), NotificationsServiceStub(channels[1]))
        finally:
            for channel in channels:
                await channel.close(None)
            for deps in started:
                for hook in deps.on_stop:
                    await hook()
            settings.cache_clear()
    settings.cache_clear()
