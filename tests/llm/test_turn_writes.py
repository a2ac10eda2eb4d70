"""What a turn stores, now that each of its writes is one statement (services/llm/writes.py):
messages in the order they were made, the session's totals equal to its model calls, and
nothing at all when the first model call is refused. Real database, fake model."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.llm.chat import ChatRequest
from services.llm.tables import budget_reservations, messages, model_calls
from services.runtime.errors import ResourceExhausted
from tests.llm.domain import Llm, build_llm, caller, count, settings_for
from tests.llm.fake_openai import FakeOpenAI, Reply
from tests.llm.table_tools import BASE_ID, TableTools


@pytest.fixture
async def llm(
    llm_schema: None, engine: AsyncEngine, redis: Redis, fake_openai: FakeOpenAI
) -> AsyncIterator[Llm]:
    built = build_llm(engine, redis, settings_for(fake_openai), TableTools())
    yield built
    if built.chat.provider is not None:
        await built.chat.provider.close()


def get(limit: int) -> tuple[str, dict[str, object]]:
    return ("get_records", {"base_id": BASE_ID, "table": "Projects", "max_records": limit})


async def test_a_step_stores_its_messages_in_the_order_they_were_made(
    llm: Llm, fake_openai: FakeOpenAI
) -> None:
    who = caller()
    fake_openai.then(
        Reply(text="Looking.", tool_calls=[get(1), get(2), ("no_such_tool", {})]),
        Reply(text="Apollo and Gemini."),
    )
    result = await llm.chat.complete(who, ChatRequest("Projects?", base_id=BASE_ID))
    history, _ = await llm.sessions.history(who, result.session_id, 0, "")
    assert [m.role for m in history] == ["user", "assistant", "tool", "tool", "tool", "assistant"]
    assert [m.content for m in history][:2] == ["Projects?", "Looking."]
    calls = history[1].tool_calls
    assert [c["name"] for c in calls] == ["get_records", "get_records", "no_such_tool"]
    assert [m.tool_call_id for m in history[2:5]] == [c["id"] for c in calls]
    assert "Apollo" in history[2].content and "Gemini" not in history[2].content
    assert "Gemini" in history[3].content and history[4].tool_calls[0]["is_error"]
    assert history[5].content == "Apollo and Gemini."
    session = await llm.sessions.get(who, result.session_id)
    assert session.message_count == 6 and session.base_id == BASE_ID


async def test_the_session_totals_are_its_model_calls(
    llm: Llm, engine: AsyncEngine, fake_openai: FakeOpenAI
) -> None:
    who = caller()
    fake_openai.then(
        Reply(tool_calls=[get(1)], prompt_tokens=1000, completion_tokens=10),
        Reply(text="One.", prompt_tokens=2000, completion_tokens=20),
        Reply(text="Two.", prompt_tokens=3000, completion_tokens=30),
    )
    first = await llm.chat.complete(who, ChatRequest("one"))
    await llm.chat.complete(who, ChatRequest("two", session_id=first.session_id))
    session = await llm.sessions.get(who, first.session_id)
    query = sa.select(
        sa.func.sum(model_calls.c.prompt_tokens),
        sa.func.sum(model_calls.c.completion_tokens),
        sa.func.sum(model_calls.c.cost_usd),
        sa.func.count(),
    ).where(model_calls.c.session_id == first.session_id)
    messages_query = sa.select(sa.func.count()).where(messages.c.session_id == first.session_id)
    async with engine.connect() as conn:
        prompt, completion, cost, calls = (await conn.execute(query)).one()
        stored = (await conn.execute(messages_query)).scalar_one()
    usage = session.usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.model_calls) == (6000, 60, 3)
    assert (prompt, completion, calls) == (6000, 60, 3)
    assert usage.cost_usd == pytest.approx(float(cost)) and usage.cost_usd > 0
    assert session.message_count == stored == 6  # user, assistant, tool, answer; user, answer


async def test_a_refused_first_call_stores_nothing_in_an_existing_session(
    llm: Llm, engine: AsyncEngine, fake_openai: FakeOpenAI
) -> None:
    admin = caller(role="admin")
    fake_openai.then(Reply(text="first", prompt_tokens=1_000_000, completion_tokens=0))
    first = await llm.chat.complete(admin, ChatRequest("hi"))  # costs $0.15
    await llm.budgets.set(admin, "tenant_daily", "", 0.1)
    fake_openai.then(Reply(text="never"))
    with pytest.raises(ResourceExhausted, match="tenant_daily budget is exhausted"):
        await llm.chat.complete(admin, ChatRequest("more", session_id=first.session_id))
    session = await llm.sessions.get(admin, first.session_id)
    history, _ = await llm.sessions.history(admin, first.session_id, 0, "")
    assert session.message_count == 2 and [m.content for m in history] == ["hi", "first"]
    assert len(fake_openai.requests) == 1
    assert await count(engine, budget_reservations, admin.tenant_id) == 0
    assert await count(engine, model_calls, admin.tenant_id) == 1
