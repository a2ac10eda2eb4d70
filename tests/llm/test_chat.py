"""Chat turns, sessions, accounting and budgets on the real database, with the fake
OpenAI-compatible server as the model and a plain-Python tool executor."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.llm.chat import ChatRequest
from services.llm.tables import model_calls, sessions
from services.runtime.config import Settings
from services.runtime.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
)
from tests.llm.domain import Llm, build_llm, caller, count, settings_for
from tests.llm.fake_openai import FakeOpenAI, Reply
from tests.llm.table_tools import BASE_ID, TableTools

GET = ("get_records", {"base_id": BASE_ID, "table": "Projects"})


@pytest.fixture
async def llm(
    llm_schema: None, engine: AsyncEngine, redis: Redis, fake_openai: FakeOpenAI
) -> AsyncIterator[Llm]:
    built = build_llm(engine, redis, settings_for(fake_openai), TableTools())
    yield built
    if built.chat.provider is not None:
        await built.chat.provider.close()


async def test_a_turn_is_answered_accounted_and_kept(llm: Llm, fake_openai: FakeOpenAI) -> None:
    fake_openai.then(
        Reply(tool_calls=[GET], prompt_tokens=1000, completion_tokens=100),
        Reply(text="Apollo 12 h, Gemini 30 h.", prompt_tokens=2000, completion_tokens=50),
    )
    who = caller()
    result = await llm.chat.complete(who, ChatRequest("Hours per project?", base_id=BASE_ID))
    assert result.text == "Apollo 12 h, Gemini 30 h." and result.model == "gpt-4o-mini"
    assert [c.name for c in result.tool_calls] == ["get_records"]
    expected_cost = (3000 * 0.15 + 150 * 0.60) / 1e6
    usage = result.usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.model_calls) == (3000, 150, 2)
    assert usage.cost_usd == pytest.approx(expected_cost)
    assert BASE_ID in fake_openai.requests[0]["messages"][0]["content"]  # the system prompt

    session = await llm.sessions.get(who, result.session_id)
    assert session.title == "Hours per project?" and session.base_id == BASE_ID
    assert session.message_count == 4 and session.usage == usage
    history, token = await llm.sessions.history(who, session.id, 0, "")
    assert token == "" and [m.role for m in history] == ["user", "assistant", "tool", "assistant"]
    assert history[1].tool_calls[0]["arguments"] == GET[1]
    assert "Gemini" in history[2].content and history[3].content == result.text

    total, by_model = await llm.budgets.cost_summary(who, "", 0)
    assert total == usage and by_model == [("gpt-4o-mini", usage)]

    # The next turn sends the session's history to the model.
    fake_openai.then(Reply(text="Gemini."))
    await llm.chat.complete(who, ChatRequest("Which is larger?", session_id=session.id))
    sent = fake_openai.requests[-1]["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert (await llm.sessions.get(who, session.id)).message_count == 6


async def test_an_exhausted_budget_stops_before_any_model_call(
    llm: Llm, engine: AsyncEngine, fake_openai: FakeOpenAI
) -> None:
    admin = caller(role="admin")
    member = caller(admin.tenant_id)
    await llm.budgets.set(admin, "tenant_daily", "", 0.0)
    fake_openai.then(Reply(text="never"))
    with pytest.raises(ResourceExhausted) as err:
        await llm.chat.complete(member, ChatRequest("hello"))
    assert "tenant_daily budget is exhausted" in err.value.message
    assert err.value.metadata == {
        "scope": "tenant_daily",
        "limit_usd": "0.000000",
        "spent_usd": "0.000000",
    }
    assert fake_openai.requests == [] and await count(engine, sessions, admin.tenant_id) == 0


async def test_session_budget_is_checked_before_every_model_call(
    llm: Llm, engine: AsyncEngine, fake_openai: FakeOpenAI
) -> None:
    who = caller()
    fake_openai.then(Reply(text="first", prompt_tokens=1_000_000, completion_tokens=0))
    first = await llm.chat.complete(who, ChatRequest("hi"))  # costs $0.15
    budget = await llm.budgets.set(who, "session", first.session_id, 0.2)
    assert (budget.limit_usd, budget.spent_usd) == (0.2, pytest.approx(0.15))
    # The tool step spends the rest; the check before the second model call stops the turn.
    fake_openai.then(
        Reply(tool_calls=[GET], prompt_tokens=1_000_000, completion_tokens=0), Reply(text="no")
    )
    with pytest.raises(ResourceExhausted, match="session budget is exhausted"):
        await llm.chat.complete(who, ChatRequest("more", session_id=first.session_id))
    assert len(fake_openai.requests) == 2 and fake_openai.script == [Reply(text="no")]
    assert await count(engine, model_calls, who.tenant_id) == 2


async def test_user_daily_budget_applies_to_each_user(llm: Llm, fake_openai: FakeOpenAI) -> None:
    admin = caller(role="admin")
    spender, other = caller(admin.tenant_id), caller(admin.tenant_id)
    await llm.budgets.set(admin, "user_daily", "", 0.1)
    fake_openai.then(Reply("a", prompt_tokens=1_000_000, completion_tokens=0), Reply("b"))
    await llm.chat.complete(spender, ChatRequest("spend"))
    with pytest.raises(ResourceExhausted, match="user_daily"):
        await llm.chat.complete(spender, ChatRequest("again"))
    assert (await llm.chat.complete(other, ChatRequest("mine"))).text == "b"
    budget = await llm.budgets.get(spender, "user_daily", "")
    assert budget.limit_usd == 0.1 and budget.spent_usd == pytest.approx(0.15)


async def test_no_provider_configured(
    llm_schema: None, engine: AsyncEngine, redis: Redis, fake_openai: FakeOpenAI
) -> None:
    unconfigured = build_llm(engine, redis, Settings(llm_provider="none"), TableTools())
    with pytest.raises(FailedPrecondition) as err:
        await unconfigured.chat.complete(caller(), ChatRequest("hello"))
    for variable in ("PROVIDER", "BASE_URL", "API_KEY", "MODEL"):
        assert f"TABLEMESH_LLM_{variable}" in err.value.message
    assert fake_openai.requests == []


async def test_sessions_belong_to_their_user(llm: Llm, fake_openai: FakeOpenAI) -> None:
    owner = caller()
    colleague, stranger = caller(owner.tenant_id), caller()
    fake_openai.then(Reply(text="yes"))
    session_id = (await llm.chat.complete(owner, ChatRequest("mine"))).session_id
    for other in (colleague, stranger):
        with pytest.raises(NotFound):
            await llm.sessions.get(other, session_id)
        with pytest.raises(NotFound):
            await llm.sessions.history(other, session_id, 0, "")
        with pytest.raises(NotFound):
            await llm.sessions.delete(other, session_id)
        with pytest.raises(NotFound):
            await llm.chat.complete(other, ChatRequest("theirs", session_id=session_id))
        with pytest.raises(NotFound):
            await llm.budgets.set(other, "session", session_id, 1)
    assert len(fake_openai.requests) == 1
    await llm.sessions.delete(owner, session_id)
    with pytest.raises(NotFound):
        await llm.sessions.get(owner, session_id)


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (ChatRequest(""), "message"),
        (ChatRequest("   "), "message"),
        (ChatRequest("x" * 20_001), "message"),
        (ChatRequest("hi", base_id="app123"), "base_id"),
        (ChatRequest("hi", base_id="xyzAAAAAAAAAAAAAA"), "base_id"),
        (ChatRequest("hi", model="gpt 4"), "model"),
        (ChatRequest("hi", model="m" * 101), "model"),
        (ChatRequest("hi", session_id="not-a-uuid"), "session_id"),
    ],
)
async def test_bad_chat_input(
    llm: Llm, engine: AsyncEngine, fake_openai: FakeOpenAI, request_: ChatRequest, field: str
) -> None:
    who = caller()
    with pytest.raises(InvalidArgument) as err:
        await llm.chat.complete(who, request_)
    assert err.value.violations[0][0] == field
    assert fake_openai.requests == [] and await count(engine, sessions, who.tenant_id) == 0


async def test_budget_rules(llm: Llm) -> None:
    member = caller()
    for scope in ("tenant_daily", "user_daily"):
        with pytest.raises(PermissionDenied):
            await llm.budgets.set(member, scope, "", 5)
    with pytest.raises(PermissionDenied):
        await llm.budgets.cost_summary(member, "tenant", 7)
    admin = caller(member.tenant_id, role="admin")
    bad = [("weekly", "", 1.0), ("session", "", 1.0), ("tenant_daily", "x", 1.0)]
    bad += [("tenant_daily", "", -1.0), ("tenant_daily", "", float("nan"))]
    for scope, session_id, limit in bad:
        with pytest.raises(InvalidArgument):
            await llm.budgets.set(admin, scope, session_id, limit)
    unset = await llm.budgets.get(member, "tenant_daily", "")
    assert (unset.limit_usd, unset.spent_usd, unset.is_set) == (0, 0, False)
    with pytest.raises(InvalidArgument):
        await llm.budgets.cost_summary(member, "user", 367)
