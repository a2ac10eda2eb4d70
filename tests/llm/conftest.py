"""Fixtures for the llm tests: the llm schema, the fake model servers (started once per
session; the OpenAI one in tests/conftest.py, shared with the e2e mesh), and two llm
domains on the same stores, standing for two worker processes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.runtime.db import migrate
from tests.llm.domain import Llm, build_llm, settings_for
from tests.llm.fake_gemini import FakeGemini
from tests.llm.fake_openai import FakeOpenAI
from tests.llm.mesh import Stubs, llm_stubs
from tests.llm.table_tools import TableTools


@pytest.fixture(scope="session")
def llm_schema(database_url: str) -> None:
    migrate("llm", database_url)


@pytest.fixture
def fake_openai(openai_server: FakeOpenAI) -> Iterator[FakeOpenAI]:
    openai_server.reset()
    yield openai_server
    openai_server.reset()


@pytest.fixture(scope="session")
def gemini_server() -> Iterator[FakeGemini]:
    server = FakeGemini().start()
    yield server
    server.stop()


@pytest.fixture
def fake_gemini(gemini_server: FakeGemini) -> FakeGemini:
    gemini_server.script.clear()
    gemini_server.requests.clear()
    return gemini_server


@pytest.fixture
async def two(
    llm_schema: None, engine: AsyncEngine, redis: Redis, fake_openai: FakeOpenAI
) -> AsyncIterator[tuple[Llm, Llm]]:
    first, second = (
        build_llm(engine, redis, settings_for(fake_openai), TableTools()) for _ in "ab"
    )
    yield first, second
    for built in (first, second):
        if built.chat.provider is not None:
            await built.chat.provider.close()


@pytest.fixture(scope="module")
async def stubs(
    database_url: str, redis_url: str, openai_server: FakeOpenAI
) -> AsyncIterator[Stubs]:
    """The llm service with auth, users and mcp in this process, per test module."""
    async with llm_stubs(database_url, redis_url, openai_server) as running:
        yield running
