"""Fixtures for the llm tests: the fake model servers, started once per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.llm.fake_gemini import FakeGemini
from tests.llm.fake_openai import FakeOpenAI


@pytest.fixture(scope="session")
def openai_server() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


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
