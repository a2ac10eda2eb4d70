"""auth, users and llm in this process on shifted ports (tests/inprocess.py), with the llm
service's tools from a plain-Python executor instead of the mcp service."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import grpc
from tablemesh.llm.v1 import llm_service_pb2_grpc as llm_grpc

from services.auth import main as auth_main
from services.llm.loop import ToolExecutor
from services.llm.main import build
from services.runtime.server import Deps, Register
from services.users import main as users_main
from tests.inprocess import running_services

# Its own offset: meshes of other test modules may run at the same time.
PORT_OFFSET = "1350"


def llm_register(tools: ToolExecutor) -> Register:
    def register(server: grpc.aio.Server, deps: Deps) -> None:
        llm_grpc.add_LlmServiceServicer_to_server(build(deps, tools), server)

    return register


@asynccontextmanager
async def running_llm(
    database_url: str, redis_url: str, env: dict[str, str], tools: Callable[[], ToolExecutor]
) -> AsyncIterator[None]:
    services = (
        ("auth", auth_main.register),
        ("users", users_main.register),
        ("llm", llm_register(tools())),
    )
    base = {
        "TABLEMESH_PORT_OFFSET": PORT_OFFSET,
        "TABLEMESH_ARGON2_MEMORY_KIB": "64",
        "TABLEMESH_ARGON2_TIME_COST": "1",
    }
    async with running_services(services, database_url, redis_url, {**base, **env}):
        yield
