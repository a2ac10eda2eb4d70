"""auth, users and llm in this process on shifted ports, built like
runtime.server.serve builds them (same interceptor, Deps and register functions), with the
llm service's tools from a plain-Python executor instead of the mcp service."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import grpc
import pytest
from tablemesh.llm.v1 import llm_service_pb2_grpc as llm_grpc

from services.auth import main as auth_main
from services.llm.loop import ToolExecutor
from services.llm.main import build
from services.runtime import registry
from services.runtime.cache import create_redis
from services.runtime.clients import MeshClients
from services.runtime.config import settings
from services.runtime.db import create_engine, migrate
from services.runtime.identity import TokenVerifier
from services.runtime.interceptors import MeshInterceptor
from services.runtime.server import Deps, Register, jwks_from_auth
from services.users import main as users_main

# Not 1300: a launcher mesh at offset 1200 (the mcp tests) serves metrics on port+100,
# i.e. on 9301-9315, exactly where offset 1300 puts the services themselves.
PORT_OFFSET = "1350"


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

    deps.on_stop.insert(0, stop)
    return deps


def llm_register(tools: ToolExecutor) -> Register:
    def register(server: grpc.aio.Server, deps: Deps) -> None:
        llm_grpc.add_LlmServiceServicer_to_server(build(deps, tools), server)

    return register


@asynccontextmanager
async def running_llm(
    database_url: str, redis_url: str, env: dict[str, str], tools: Callable[[], ToolExecutor]
) -> AsyncIterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TABLEMESH_PORT_OFFSET", PORT_OFFSET)
        patch.setenv("TABLEMESH_ARGON2_MEMORY_KIB", "64")
        patch.setenv("TABLEMESH_ARGON2_TIME_COST", "1")
        for key, value in env.items():
            patch.setenv(key, value)
        settings.cache_clear()
        started: list[Deps] = []
        services = (
            ("auth", auth_main.register),
            ("users", users_main.register),
            ("llm", llm_register(tools())),
        )
        try:
            for name, register in services:
                migrate(name, database_url)
                started.append(await _start(name, register, database_url, redis_url))
            yield
        finally:
            for deps in reversed(started):
                for hook in deps.on_stop:
                    await hook()
            settings.cache_clear()
    settings.cache_clear()
