"""Fixtures: the saga log's schema, real gRPC test participants, and a saga app wired to
them (the orchestrator runs in the test's event loop)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.runtime.clients import MeshClients
from services.runtime.config import Settings
from services.runtime.db import migrate
from services.saga.app import SagaApp, build
from tests.saga.participants import World, serve

FAST: dict[str, Any] = {
    "saga_lease_seconds": 2.0,
    "saga_poll_interval": 0.1,
    "saga_step_attempts": 4,
    "saga_compensation_attempts": 3,
    "saga_retry_delay": 0.01,
    "saga_call_timeout": 0.5,
}


@pytest.fixture(scope="session")
def saga_schema(database_url: str) -> str:
    migrate("saga", database_url)
    return database_url


@pytest.fixture
async def world(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[World, dict[str, str]]]:
    w = World()
    server, env = await serve(w)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    yield w, env
    await server.stop(0)


@pytest.fixture
async def app(
    saga_schema: str, engine: AsyncEngine, redis: Redis, world: tuple[World, dict[str, str]]
) -> AsyncIterator[SagaApp]:
    clients = MeshClients()
    built = build(engine, redis, clients, Settings(**FAST))
    built.orchestrator.start()
    yield built
    await built.orchestrator.stop()
    await clients.close()


def subprocess_env(database_url: str, redis_url: str, env: dict[str, str]) -> dict[str, Any]:
    """The environment of an orchestrator subprocess talking to the test participants."""
    out = dict(os.environ)
    out.update(env)
    out.update({f"TABLEMESH_{k.upper()}": str(v) for k, v in FAST.items()})
    out.update({"DATABASE_URL": database_url, "REDIS_URL": redis_url})
    return out
