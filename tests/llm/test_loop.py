"""The tool loop on real providers talking to the fake model servers, with a plain-Python
tool executor in place of the mcp service."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.llm.loop import ChatLoop, LoopEvent, ModelCalled, ToolCallRecord, TurnDone
from services.llm.providers.base import ChatMessage, ModelProvider, TextDelta, ToolSpec
from services.llm.providers.gemini import Gemini
from services.llm.providers.openai_compatible import OpenAICompatible
from services.runtime.errors import FailedPrecondition, ResourceExhausted, Unavailable
from tests.llm.fake_gemini import FakeGemini
from tests.llm.fake_openai import FakeOpenAI, Reply
from tests.llm.table_tools import BASE_ID, TableTools

ASK = [ChatMessage("system", "be brief"), ChatMessage("user", "How many hours in total?")]
GET = ("get_records", {"base_id": BASE_ID, "table": "Projects"})


@pytest.fixture
async def openai_provider(fake_openai: FakeOpenAI) -> AsyncIterator[OpenAICompatible]:
    provider = OpenAICompatible(fake_openai.url, "test-key", 10)
    yield provider
    await provider.close()


async def run(loop: ChatLoop, stream: bool = False) -> list[LoopEvent]:
    return [event async for event in loop.run("gpt-4o-mini", ASK, stream=stream)]


def done(events: list[LoopEvent]) -> TurnDone:
    last = events[-1]
    assert isinstance(last, TurnDone)
    return last


@pytest.mark.parametrize("stream", [False, True])
async def test_tool_call_then_answer(
    fake_openai: FakeOpenAI, openai_provider: OpenAICompatible, stream: bool
) -> None:
    fake_openai.then(Reply(tool_calls=[GET]), Reply(text="42 hours in total.", prompt_tokens=300))
    tools = TableTools()
    events = await run(ChatLoop(openai_provider, tools, max_steps=4), stream)
    turn = done(events)
    assert turn.text == "42 hours in total." and not turn.step_limit_hit
    assert tools.calls == [GET]
    assert [c.name for c in turn.calls] == ["get_records"] and not turn.calls[0].is_error
    assert "Apollo" in turn.calls[0].result
    calls = [e for e in events if isinstance(e, ModelCalled)]
    assert [(c.usage.prompt_tokens, c.usage.completion_tokens) for c in calls] == [
        (120, 30),
        (300, 30),
    ]
    # The second request carries the model's tool call and the tool's real result.
    first, second = fake_openai.requests
    assert first["tools"][0]["function"]["name"] == "get_records"
    assert first.get("stream", False) is stream
    assistant, result = second["messages"][-2:]
    assert assistant["tool_calls"][0]["function"]["name"] == "get_records"
    assert json.loads(assistant["tool_calls"][0]["function"]["arguments"]) == GET[1]
    assert result["role"] == "tool" and result["tool_call_id"] == assistant["tool_calls"][0]["id"]
    assert json.loads(result["content"])["records"][1]["fields"]["Hours"] == 30
    if stream:
        deltas = "".join(e.text for e in events if isinstance(e, TextDelta))
        assert deltas == "42 hours in total."


async def test_step_limit(fake_openai: FakeOpenAI, openai_provider: OpenAICompatible) -> None:
    fake_openai.then(*[Reply(tool_calls=[GET]) for _ in range(3)])
    events = await run(ChatLoop(openai_provider, TableTools(), max_steps=3))
    turn = done(events)
    assert turn.step_limit_hit and "step limit of 3 model calls" in turn.text
    assert len(fake_openai.requests) == 3 and len(turn.calls) == 3


async def test_bad_tool_calls_go_back_to_the_model_as_errors(
    fake_openai: FakeOpenAI, openai_provider: OpenAICompatible
) -> None:
    fake_openai.then(
        Reply(tool_calls=[("drop_database", {}), ("get_records", {"base_id": "appX"})]),
        Reply(text="Sorry."),
    )
    tools = TableTools()
    turn = done(await run(ChatLoop(openai_provider, tools, max_steps=4)))
    unknown, failed = turn.calls
    assert unknown.is_error and "unknown tool 'drop_database'" in unknown.result
    assert failed.is_error and "NOT_FOUND" in failed.result
    assert tools.calls == [("get_records", {"base_id": "appX"})]  # the unknown one never ran
    sent = fake_openai.requests[1]["messages"]
    assert [m["role"] for m in sent[-3:]] == ["assistant", "tool", "tool"]


async def test_before_model_call_can_stop_the_turn(
    fake_openai: FakeOpenAI, openai_provider: OpenAICompatible
) -> None:
    fake_openai.then(Reply(tool_calls=[GET]), Reply(text="never"))
    checks: list[int] = []

    async def budget(conversation: list[ChatMessage], specs: list[ToolSpec]) -> None:
        checks.append(1)
        if len(checks) == 2:
            raise ResourceExhausted("budget", reason="BUDGET_EXHAUSTED")

    events: list[Any] = []
    with pytest.raises(ResourceExhausted):
        async for event in ChatLoop(openai_provider, TableTools(), 4, budget).run("m", ASK):
            events.append(event)
    assert len(fake_openai.requests) == 1 and any(isinstance(e, ToolCallRecord) for e in events)


async def test_provider_errors_map_to_codes(fake_openai: FakeOpenAI) -> None:
    wrong_key = OpenAICompatible(fake_openai.url, "wrong", 10)
    with pytest.raises(FailedPrecondition, match="TABLEMESH_LLM_API_KEY"):
        await run(ChatLoop(wrong_key, TableTools(), 2))
    await wrong_key.close()
    nobody = OpenAICompatible("http://127.0.0.1:9/v1", "k", 2)
    with pytest.raises(Unavailable):
        await run(ChatLoop(nobody, TableTools(), 2))
    await nobody.close()


@pytest.mark.parametrize("stream", [False, True])
async def test_gemini_tool_call_then_answer(fake_gemini: FakeGemini, stream: bool) -> None:
    fake_gemini.then(Reply(tool_calls=[GET]), Reply(text="42 hours.", prompt_tokens=200))
    provider: ModelProvider = Gemini(fake_gemini.url, "gemini-key", 10)
    tools = TableTools()
    events = [
        e async for e in ChatLoop(provider, tools, 4).run("gemini-2.0-flash", ASK, stream=stream)
    ]
    await provider.close()
    turn = done(events)
    assert turn.text == "42 hours." and tools.calls == [GET]
    usage = [e.usage for e in events if isinstance(e, ModelCalled)]
    assert [(u.prompt_tokens, u.completion_tokens) for u in usage] == [(120, 30), (200, 30)]
    methods = [m for m, _ in fake_gemini.requests]
    expected = "streamGenerateContent" if stream else "generateContent"
    assert methods == [expected, expected]
    first, second = (body for _, body in fake_gemini.requests)
    assert first["systemInstruction"]["parts"][0]["text"] == "be brief"
    declaration = first["tools"][0]["functionDeclarations"][0]
    assert declaration["name"] == "get_records"
    assert "additionalProperties" not in declaration["parameters"]
    call, answer = second["contents"][-2:]
    assert call["role"] == "model" and call["parts"][0]["functionCall"]["args"] == GET[1]
    response = answer["parts"][0]["functionResponse"]
    assert response["name"] == "get_records" and "Gemini" in response["response"]["content"]


async def test_gemini_wrong_key(fake_gemini: FakeGemini) -> None:
    provider = Gemini(fake_gemini.url, "nope", 10)
    with pytest.raises(FailedPrecondition, match="TABLEMESH_LLM_API_KEY"):
        await provider.complete("gemini-2.0-flash", ASK, [])
    await provider.close()
