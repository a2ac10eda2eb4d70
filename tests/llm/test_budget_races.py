"""Budgets that concurrent chat turns cannot overspend (services/llm/budgets.py), on the
real database: two domains on the same stores stand for two worker processes, and the fake
model holds a reply until the test lets it go, so the turns overlap for certain."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.llm.chat import ChatRequest
from services.llm.pricing import PriceTable
from services.llm.tables import budget_reservations, sessions
from services.runtime.errors import ResourceExhausted
from tests.clock import FakeClock
from tests.llm.domain import Llm, caller, count
from tests.llm.fake_openai import FakeOpenAI, Reply


async def test_concurrent_turns_cannot_overspend_a_budget(
    two: tuple[Llm, Llm], engine: AsyncEngine, fake_openai: FakeOpenAI
) -> None:
    first, second = two
    admin = caller(role="admin")
    who = caller(admin.tenant_id)
    limit = 0.001
    await first.budgets.set(admin, "user_daily", "", limit)
    cost = PriceTable().cost("gpt-4o-mini", 1000, 1000).usd
    assert cost < limit < 2 * cost  # either turn fits the budget; both together do not
    gate = threading.Event()
    held = Reply(text="one", prompt_tokens=1000, completion_tokens=1000, hold=gate)
    fake_openai.then(held, Reply(text="two", prompt_tokens=1000, completion_tokens=1000))
    one = asyncio.create_task(first.chat.complete(who, ChatRequest("one")))
    try:
        await held.reached()
        with pytest.raises(ResourceExhausted) as err:  # on another session, in another process
            await second.chat.complete(who, ChatRequest("two"))
    finally:
        gate.set()
    assert "the user_daily budget is exhausted" in err.value.message
    assert "held by model calls in progress" in err.value.message
    assert err.value.reason == "BUDGET_EXHAUSTED" and err.value.metadata["scope"] == "user_daily"
    assert float(err.value.metadata["held_usd"]) >= cost  # the estimate covers the real cost
    assert (await one).text == "one" and len(fake_openai.requests) == 1
    spent = (await first.budgets.get(who, "user_daily", "")).spent_usd
    assert spent == pytest.approx(cost) and spent <= limit
    # Settled: nothing stays held, and the refused turn stored nothing.
    assert await count(engine, budget_reservations, who.tenant_id) == 0
    assert await count(engine, sessions, who.tenant_id) == 1


async def test_concurrent_turns_within_a_budget_both_run(
    two: tuple[Llm, Llm], engine: AsyncEngine, fake_openai: FakeOpenAI
) -> None:
    first, second = two
    admin = caller(role="admin")
    await first.budgets.set(admin, "tenant_daily", "", 1.0)
    gate = threading.Event()
    held = Reply(text="one", hold=gate)
    fake_openai.then(held, Reply(text="two"))
    one = asyncio.create_task(first.chat.complete(admin, ChatRequest("one")))
    try:
        await held.reached()
        assert (await second.chat.complete(admin, ChatRequest("two"))).text == "two"
    finally:
        gate.set()
    assert (await one).text == "one"
    assert await count(engine, budget_reservations, admin.tenant_id) == 0


async def test_a_reservation_left_by_a_dead_process_expires(
    two: tuple[Llm, Llm], clock: FakeClock
) -> None:
    llm = two[0]
    admin = caller(role="admin")
    await llm.budgets.set(admin, "tenant_daily", "", 0.01)
    # A call reserved $0.02 for at most 0.2 s, and then its process died.
    held = await llm.budgets.reserve(admin, "00000000-0000-4000-8000-000000000000", 0.02, 0.2)
    assert held is not None
    with pytest.raises(ResourceExhausted, match="held by model calls in progress"):
        await llm.budgets.enforce(admin, None)
    clock.advance(0.15)
    with pytest.raises(ResourceExhausted, match="held by model calls in progress"):
        await llm.budgets.enforce(admin, None)
    clock.advance(0.1)
    await llm.budgets.enforce(admin, None)  # expired: it counts no more
