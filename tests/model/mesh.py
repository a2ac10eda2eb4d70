"""auth, users, the model service (SmolLM2) and llm (the `local` provider) in this process
on shifted ports (tests/inprocess.py), with llm's tools from a plain-Python executor, and
stubs to call them with."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import grpc
from tablemesh.auth.v1.auth_service_pb2_grpc import AuthServiceStub
from tablemesh.llm.v1.llm_service_pb2_grpc import LlmServiceStub
from tablemesh.model.v1 import model_service_pb2 as pb
from tablemesh.model.v1.model_service_pb2_grpc import ModelServiceStub

from services.auth import main as auth_main
from services.model import main as model_main
from services.model import weights
from services.runtime import registry
from services.runtime.config import Settings
from services.runtime.server import Deps
from services.users import main as users_main
from tests.inprocess import running_services
from tests.llm.mesh import Person, llm_register
from tests.llm.mesh import Stubs as LlmStubs
from tests.llm.mesh import sign_up as llm_sign_up
from tests.llm.table_tools import TableTools
from tests.ports import offset


@dataclass
class Stubs:
    auth: AuthServiceStub
    llm: LlmServiceStub
    model: ModelServiceStub
    tools: TableTools
    deps: list[Deps]

    async def sign_up(self) -> Person:
        return await llm_sign_up(LlmStubs(self.auth, self.llm))


@asynccontextmanager
async def model_stubs(database_url: str, redis_url: str, **env: str) -> AsyncIterator[Stubs]:
    """The services running, the model loaded; `env` adds settings (queue size, ...)."""
    tools = TableTools()
    services = (
        ("auth", auth_main.register),
        ("users", users_main.register),
        ("model", model_main.register),
        ("llm", llm_register(tools)),
    )
    base = {
        "TABLEMESH_PORT_OFFSET": str(offset("model")),
        "TABLEMESH_ARGON2_MEMORY_KIB": "64",
        "TABLEMESH_ARGON2_TIME_COST": "1",
        "TABLEMESH_LLM_PROVIDER": "local",
        "TABLEMESH_MODEL": "smollm2-135m",
        "TABLEMESH_MODEL_CONTEXT": "2048",
        "TABLEMESH_LLM_MAX_STEPS": "3",
    }
    # The model file, as the launcher makes it before the service starts (once per cache).
    cache = Settings().model_cache_dir
    await asyncio.to_thread(weights.ensure, weights.PINNED[base["TABLEMESH_MODEL"]], cache)
    async with running_services(services, database_url, redis_url, {**base, **env}) as deps:
        for hook in deps[2].readiness:  # the model loaded, as health waits for it
            await hook()
        channels = [
            grpc.aio.insecure_channel(registry.spec(name).address)
            for name in ("auth", "llm", "model")
        ]
        auth, llm, model = channels
        yield Stubs(
            AuthServiceStub(auth), LlmServiceStub(llm), ModelServiceStub(model), tools, deps
        )
        for channel in channels:
            await channel.close(None)


def conversation(*texts: str) -> list[pb.Message]:
    return [pb.Message(role="user", content=text) for text in texts]
