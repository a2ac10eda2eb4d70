"""A finished chat turn is announced on the event bus (chat.turn.completed) by the write
that ends it: one event per turn, with the whole turn's tokens, cost and tool calls, in
the outbox exactly when the turn's cost is stored. Real database, fake model."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.events.v1.events_pb2 import ActorKind, Event

from services.llm.chat import ChatRequest
from services.llm.tables import model_calls, outbox
from services.runtime import events
from services.runtime.errors import ResourceExhausted
from tests.llm.domain import Llm, build_llm, caller, settings_for
from tests.llm.fake_openai import FakeOpenAI, Reply
from tests.llm.table_tools import BASE_ID, TableTools


@pytest.fixture
async def llm(
    llm_schema: None, engine: AsyncEngine, redis: Redis, fake_openai: FakeOpenAI
) -> AsyncIterator[Llm]:
    built = build_llm(engine, redis, settings_for(fake_openai, llm_max_steps=2), TableTools())
    yield built
    if built.chat.provider is not None:
        await built.chat.provider.close()


async def turn_events(engine: AsyncEngine, session_id: str) -> list[Event]:
    query = sa.select(outbox.c.body).where(outbox.c.type == "chat.turn.completed")
    async with engine.connect() as conn:
        bodies = (await conn.execute(query)).scalars().all()
    found = [events.from_json(b) for b in bodies]
    return [e for e in found if e.chat_turn.session_id == session_id]


def get(limit: int) -> tuple[str, dict[str, object]]:
    return ("get_records", {"base_id": BASE_ID, "table": "Projects", "max_records": limit})


async def test_a_turn_announces_its_whole_usage_once(
    llm: Llm, engine: AsyncEngine, fake_openai: FakeOpenAI
) -> None:
    who = caller()
    fake_openai.then(
        Reply(tool_calls=[get(1), get(2)], prompt_tokens=1000, completion_tokens=10),
        Reply(text="Two projects.", prompt_tokens=2000, completion_tokens=20),
    )
    result = await llm.chat.complete(who, ChatRequest("How many?", base_id=BASE_ID))
    [event] = await turn_events(engine, result.session_id)
    turn = event.chat_turn
    assert (turn.input_tokens, turn.output_tokens) == (3000, 30)
    assert (turn.model_calls, turn.tool_calls) == (2, 2)
    assert turn.gen_ai_system == "openai" and turn.gen_ai_request_model == "gpt-4o-mini"
    cost = sa.select(sa.func.sum(model_calls.c.cost_usd)).where(
        model_calls.c.session_id == result.session_id
    )
    async with engine.connect() as conn:
        stored = float((await conn.execute(cost)).scalar_one())
    assert turn.cost_usd == pytest.approx(stored) and stored > 0
    assert event.tenant_id == who.tenant_id
    assert event.actor.kind == ActorKind.ACTOR_KIND_USER and event.actor.id == who.user_id

    fake_openai.then(Reply(text="Still two.", prompt_tokens=500, completion_tokens=5))
    await llm.chat.complete(who, ChatRequest("Sure?", session_id=result.session_id))
    both = await turn_events(engine, result.session_id)
    assert sorted(e.chat_turn.input_tokens for e in both) == [500, 3000]


async def test_a_turn_ended_by_the_step_limit_is_announced_too(
    llm: Llm, engine: AsyncEngine, fake_openai: FakeOpenAI
) -> None:
    who = caller()
    fake_openai.then(
        Reply(tool_calls=[get(1)], prompt_tokens=100, completion_tokens=1),
        Reply(tool_calls=[get(2)], prompt_tokens=200, completion_tokens=2),
    )
    result = await llm.chat.complete(who, ChatRequest("Loop", base_id=BASE_ID))
    [event] = await turn_events(engine, result.session_id)
    assert (event.chat_turn.input_tokens, event.chat_turn.model_calls) == (300, 2)


async def test_a_refused_turn_announces_nothing(
    llm: Llm, engine: AsyncEngine, fake_openai: FakeOpenAI
) -> None:
    admin = caller(role="admin")
    fake_openai.then(Reply(text="first", prompt_tokens=1_000_000, completion_tokens=0))
    first = await llm.chat.complete(admin, ChatRequest("hi"))  # costs $0.15
    await llm.budgets.set(admin, "tenant_daily", "", 0.1)
    fake_openai.then(Reply(text="never"))
    with pytest.raises(ResourceExhausted):
        await llm.chat.complete(admin, ChatRequest("again", session_id=first.session_id))
    assert len(await turn_events(engine, first.session_id)) == 1
