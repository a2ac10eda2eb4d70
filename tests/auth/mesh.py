"""The auth and users services in this process, on TABLEMESH_PORT_OFFSET=300 ports.

Built like runtime.server.serve builds them (same interceptor, same Deps, same register
functions) but without its signal handlers and health loop, so tests can stop them.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import grpc
import pytest

from services.auth import main as auth_main
from services.runtime import registry
from services.runtime.cache import create_redis
from services.runtime.clients import MeshClients
from services.runtime.config import settings
from services.runtime.db import create_engine, migrate
from services.runtime.identity import TokenVerifier
from services.runtime.interceptors import MeshInterceptor
from services.runtime.server import Deps, Register, jwks_from_auth
from services.users import main as users_main

ENV = {
    "TABLEMESH_PORT_OFFSET": "300",
    "TABLEMESH_LOGIN_MAX_FAILURES": "3",
    "TABLEMESH_ARGON2_MEMORY_KIB": "64",
    "TABLEMESH_ARGON2_TIME_COST": "1",
}


async def _start(name: str, register: Register, database_url: str, redis_url: str) -> Deps:
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


@asynccontextmanager
async def running_mesh(database_url: str, redis_url: str) -> AsyncIterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        for key, value in ENV.items():
            patch.setenv(key, value)
        settings.cache_clear()
        started: list[Deps] = []
        try:
            for name, register in (("auth", auth_main.register), ("users", users_main.register)):
                migrate(name, database_url)
                started.append(await _start(name, register, database_url, redis_url))
            yield
        finally:
            for deps in started:
                for hook in deps.on_stop:
                    await hook()
            settings.cache_clear()
    settings.cache_clear()
