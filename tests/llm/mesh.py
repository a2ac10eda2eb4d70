"""auth, users and llm in this process on shifted ports (tests/inprocess.py), with the llm
service's tools from a plain-Python executor instead of the mcp service, and gRPC stubs
and signed-up people to call it with."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import grpc
from tablemesh.auth.v1 import auth_service_pb2 as auth_pb
from tablemesh.auth.v1.auth_service_pb2_grpc import AuthServiceStub
from tablemesh.llm.v1 import llm_service_pb2_grpc as llm_grpc
from tablemesh.llm.v1.llm_service_pb2_grpc import LlmServiceStub

from services.auth import main as auth_main
from services.llm.loop import ToolExecutor
from services.llm.main import build
from services.runtime import registry
from services.runtime.server import Deps, Register
from services.users import main as users_main
from tests.inprocess import running_services
from tests.llm.fake_openai import FakeOpenAI
from tests.llm.table_tools import TableTools
from tests.ports import offset


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
        "TABLEMESH_PORT_OFFSET": str(offset("llm")),
        "TABLEMESH_ARGON2_MEMORY_KIB": "64",
        "TABLEMESH_ARGON2_TIME_COST": "1",
    }
    async with running_services(services, database_url, redis_url, {**base, **env}):
        yield


@dataclass
class Person:
    token: str
    user_id: str
    tenant_id: str

    @property
    def md(self) -> tuple[tuple[str, str]]:
        return (("authorization", f"Bearer {self.token}"),)


@dataclass
class Stubs:
    auth: AuthServiceStub
    llm: LlmServiceStub


@asynccontextmanager
async def llm_stubs(
    database_url: str, redis_url: str, openai_server: FakeOpenAI
) -> AsyncIterator[Stubs]:
    """The services running on the fake model, with stubs of auth and llm."""
    env = {
        "TABLEMESH_LLM_PROVIDER": "openai",
        "TABLEMESH_LLM_BASE_URL": openai_server.url,
        "TABLEMESH_LLM_API_KEY": "test-key",
        "TABLEMESH_LLM_MODEL": "gpt-4o-mini",
        "TABLEMESH_LLM_MAX_STEPS": "3",
    }
    async with running_llm(database_url, redis_url, env, TableTools):
        auth_channel = grpc.aio.insecure_channel(registry.spec("auth").address)
        llm_channel = grpc.aio.insecure_channel(registry.spec("llm").address)
        yield Stubs(AuthServiceStub(auth_channel), LlmServiceStub(llm_channel))
        await auth_channel.close(None)
        await llm_channel.close(None)


async def sign_up(stubs: Stubs) -> Person:
    reply = await stubs.auth.Register(
        auth_pb.RegisterRequest(
            email=f"u{uuid.uuid4().hex[:10]}@example.com",
            password="correct horse",
            first_name="Ada",
            last_name="Lovelace",
        )
    )
    return Person(reply.access_token, reply.principal.user_id, reply.principal.tenant_id)
