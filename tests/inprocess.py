"""Mesh services inside the test process, built the way runtime.server.serve builds them
(the same interceptor, Deps and register functions) but without its signal handling, so a
test can start and stop them around itself."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager

import grpc
import pytest

from services.runtime import registry
from services.runtime.cache import create_redis
from services.runtime.clients import MeshClients
from services.runtime.config import settings
from services.runtime.db import create_engine, migrate
from services.runtime.identity import TokenVerifier
from services.runtime.interceptors import MeshInterceptor
from services.runtime.server import Deps, Register, jwks_from_auth


@asynccontextmanager
async def _service(
    name: str, register: Register, database_url: str, redis_url: str
) -> AsyncIterator[Deps]:
    cfg = settings()
    if registry.spec(name).uses_database:
        migrate(name, database_url)
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
    try:
        yield deps
    finally:
        # The order serve() uses: stop serving, the service's own hooks, then connections.
        await server.stop(1)
        for hook in deps.on_stop:
            await hook()
        await clients.close()
        await redis.aclose()
        await deps.db.dispose()


@asynccontextmanager
async def running_services(
    services: Sequence[tuple[str, Register]], database_url: str, redis_url: str, env: dict[str, str]
) -> AsyncIterator[list[Deps]]:
    """Starts the services in order with `env` applied; stops them in reverse."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        settings.cache_clear()
        try:
            async with AsyncExitStack() as stack:
                yield [
                    await stack.enter_async_context(
                        _service(name, register, database_url, redis_url)
                    )
                    for name, register in services
                ]
        finally:
            settings.cache_clear()
