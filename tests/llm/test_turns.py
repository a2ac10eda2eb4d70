"""One chat turn at a time per session (services/llm/claims.py), on the real database and
Redis: two domains on the same stores stand for two worker processes (the `two` fixture),
and the fake model holds a reply until the test lets it go, so turns overlap for certain."""

from __future__ import annotations

import asyncio
import threading

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.llm.chat import ChatRequest
from services.llm.claims import SessionClaims, busy_message, claim_key
from services.llm.tables import budget_reservations
from services.runtime.errors import Aborted, Unavailable
from tests.llm.domain import Llm, caller, count
from tests.llm.fake_openai import FakeOpenAI, Reply


async def test_a_second_turn_on_a_busy_session_is_refused(
    two: tuple[Llm, Llm], fake_openai: FakeOpenAI
) -> None:
    first, second = two
    who = caller()
    fake_openai.then(Reply(text="Hello."))
    session_id = (await first.chat.complete(who, ChatRequest("hi"))).session_id
    gate = threading.Event()
    held = Reply(text="Apollo: 12 h.", hold=gate)
    fake_openai.then(held, Reply(text="Gemini: 30 h."))
    busy = asyncio.create_task(
        first.chat.complete(who, ChatRequest("Apollo?", session_id=session_id))
    )
    try:
        await held.reached()
        with pytest.raises(Aborted) as err:  # however the session id is spelt
            spelt = "{" + session_id.upper() + "}"
            await second.chat.complete(who, ChatRequest("Gemini?", session_id=spelt))
    finally:
        gate.set()
    assert err.value.message == busy_message(session_id)
    assert "already answering a message; send this one when it has finished" in err.value.message
    assert (err.value.reason, err.value.metadata) == ("SESSION_BUSY", {"session_id": session_id})
    assert (await busy).text == "Apollo: 12 h." and len(fake_openai.requests) == 2

    # Only the turn that ran is stored, in order.
    history, _ = await first.sessions.history(who, session_id, 0, "")
    contents = ["hi", "Hello.", "Apollo?", "Apollo: 12 h."]
    assert [m.content for m in history] == contents
    # Once it is over, the session takes the next message, in any process.
    after = await second.chat.complete(who, ChatRequest("Gemini?", session_id=session_id))
    assert after.text == "Gemini: 30 h."
    sent = fake_openai.requests[-1]["messages"][1:]
    assert [m["content"] for m in sent] == [*contents, "Gemini?"]


async def test_a_new_session_is_claimed_from_the_moment_it_exists(
    two: tuple[Llm, Llm], fake_openai: FakeOpenAI
) -> None:
    first, second = two
    who = caller()
    gate = threading.Event()
    held = Reply(text="Done.", hold=gate)
    fake_openai.then(held)
    busy = asyncio.create_task(first.chat.complete(who, ChatRequest("start")))
    try:
        await held.reached()
        (listed,), _ = await second.sessions.list_page(who, 0, "")  # another tab lists it
        with pytest.raises(Aborted):
            await second.chat.complete(who, ChatRequest("me too", session_id=listed.id))
    finally:
        gate.set()
    assert (await busy).session_id == listed.id


async def test_the_claim_and_reservation_go_when_the_model_fails(
    two: tuple[Llm, Llm], engine: AsyncEngine, redis: Redis, fake_openai: FakeOpenAI
) -> None:
    llm = two[0]
    admin = caller(role="admin")
    who = caller(admin.tenant_id)
    await llm.budgets.set(admin, "tenant_daily", "", 5.0)  # so that calls hold reservations
    fake_openai.then(Reply(text="Hello."))
    session_id = (await llm.chat.complete(who, ChatRequest("hi"))).session_id
    fake_openai.then(Reply(status=500), Reply(status=500))  # the client retries once
    with pytest.raises(Unavailable, match="HTTP 500"):
        await llm.chat.complete(who, ChatRequest("again", session_id=session_id))
    assert await redis.exists(claim_key(who.tenant_id, who.user_id, session_id)) == 0
    assert await count(engine, budget_reservations, who.tenant_id) == 0
    fake_openai.then(Reply(text="Back."))
    assert (
        await llm.chat.complete(who, ChatRequest("now?", session_id=session_id))
    ).text == "Back."


@pytest.mark.realtime  # a 0.3 s lease
async def test_a_dead_turns_claim_expires_and_only_its_owner_releases_one(redis: Redis) -> None:
    claims = SessionClaims(redis, ttl=0.3)
    key = claim_key("tenant", "user", "session")
    dead = await claims.take(key)  # its process died: never renewed, never released
    assert dead is not None and await claims.take(key) is None
    assert 0 < await redis.pttl(key) <= 300
    for _ in range(100):  # the lease runs out by itself within its TTL
        if not await redis.exists(key):
            break
        await asyncio.sleep(0.05)
    newer = await claims.take(key)
    assert newer is not None
    assert not await claims.release(key, dead)  # a late release by the old owner frees nothing
    assert await redis.get(key) == newer
    assert await claims.release(key, newer) and not await redis.exists(key)


@pytest.mark.realtime  # a 0.3 s lease
async def test_a_live_turn_keeps_its_claim_past_the_ttl(redis: Redis) -> None:
    claims = SessionClaims(redis, ttl=0.3)
    who = caller()
    key = claim_key(who.tenant_id, who.user_id, "s1")
    async with claims.hold(who, "s1"):
        await asyncio.sleep(1.0)  # three TTLs: renewed meanwhile
        assert await redis.exists(key)
        with pytest.raises(Aborted):
            async with claims.hold(who, "s1"):
                pass
    assert not await redis.exists(key)
