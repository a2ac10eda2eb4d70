"""The event bus against real PostgreSQL and Redis: an event exists exactly when its change
does, the relay publishes each outbox row once even with two relays side by side, and a
subscription delivers each event once per group, filtered by type, retried after a failure
and set aside after repeated ones."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import sqlalchemy as sa
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.events.v1.events_pb2 import ActorKind, BaseChanged, Event

from services.runtime import events, identity
from services.runtime.subscriptions import MAX_DELIVERIES, Subscription, dead_letters
from tests.event_bus import drain, fresh_stream, publish, scratch_schema

SCHEMA = "events_test"
metadata = sa.MetaData(schema=SCHEMA)
outbox = events.outbox_table(metadata)


@pytest.fixture(scope="module")
async def tables(engine: AsyncEngine) -> AsyncIterator[None]:
    async with scratch_schema(engine, metadata):
        yield


@pytest.fixture
def stream() -> str:
    return fresh_stream()


def base_created(tenant_id: str = "", name: str = "Plans") -> Event:
    tenant_id = tenant_id or str(uuid.uuid4())
    changed = BaseChanged(base_id="app" + uuid.uuid4().hex[:14], name=name)
    return events.new_event("base.created", tenant_id, "airtable", base=changed)


async def stored(engine: AsyncEngine, event_id: str) -> int:
    async with engine.connect() as conn:
        query = sa.select(sa.func.count()).where(outbox.c.event_id == event_id)
        return int((await conn.execute(query)).scalar_one())


async def test_an_event_is_stored_only_with_its_change(engine: AsyncEngine, tables: None) -> None:
    kept, dropped = base_created(), base_created()
    async with engine.begin() as conn:
        await events.emit(conn, outbox, kept)
    with pytest.raises(RuntimeError):
        async with engine.begin() as conn:
            await events.emit(conn, outbox, dropped)
            raise RuntimeError("the change failed")
    assert await stored(engine, kept.id) == 1
    assert await stored(engine, dropped.id) == 0


async def test_the_envelope_names_the_caller_and_survives_the_trip(
    engine: AsyncEngine, redis: Redis, tables: None, stream: str
) -> None:
    saga = identity.Caller("saga", "", identity.SERVICE_ROLE, "", "jti", 0, "token")
    identity.set_caller(saga)
    try:
        event = base_created(name="Caf\u00e9 \u2615")
    finally:
        identity.set_caller(None)
    assert event.actor.kind == ActorKind.ACTOR_KIND_SERVICE and event.actor.role == "service"
    assert base_created().actor.kind == ActorKind.ACTOR_KIND_ANONYMOUS
    async with engine.begin() as conn:
        await events.emit(conn, outbox, event)
    while await events.publish_batch(engine, redis, outbox, stream=stream):
        pass
    entries: Any = await redis.xrange(stream)
    [fields] = [f for _, f in entries if f["id"] == event.id]
    assert fields["type"] == "base.created"
    assert events.from_json(fields["event"]) == event


async def test_two_relays_publish_each_event_once(
    engine: AsyncEngine, redis: Redis, tables: None, stream: str
) -> None:
    batch = [base_created() for _ in range(30)]
    async with engine.begin() as conn:
        await events.emit(conn, outbox, *batch)

    async def relay_all() -> None:
        while await events.publish_batch(engine, redis, outbox, limit=7, stream=stream):
            pass

    await asyncio.gather(relay_all(), relay_all())
    entries: Any = await redis.xrange(stream)
    published = [f["id"] for _, f in entries]
    mine = {e.id for e in batch}
    assert sorted(i for i in published if i in mine) == sorted(mine)


class Recorder:
    """A handler that fails the first `failures` times it sees an event."""

    def __init__(self, failures: int = 0) -> None:
        self.seen: list[str] = []
        self.failures = failures

    async def __call__(self, event: Event) -> None:
        self.seen.append(event.id)
        if self.failures:
            self.failures -= 1
            raise ConnectionError("PostgreSQL is away")


async def test_each_group_gets_each_event_once_of_its_types(redis: Redis, stream: str) -> None:
    event = base_created()
    other = events.new_event("user.registered", event.tenant_id, "auth")
    # The relay published `event` twice (a crash before its commit).
    await publish(redis, stream, event, other, event)
    audit, hooks = Recorder(), Recorder()
    for group, handler, types in (("audit", audit, None), ("hooks", hooks, ["base.created"])):
        await drain(Subscription(redis, group, "c1", handler, types, block_ms=10, stream=stream))
    assert audit.seen == [event.id, other.id]
    assert hooks.seen == [event.id]
    for group in ("audit", "hooks"):
        assert (await redis.xpending(stream, group))["pending"] == 0


async def test_a_failed_event_is_retried_by_another_consumer(redis: Redis, stream: str) -> None:
    event = base_created()
    await publish(redis, stream, event)
    flaky = Recorder(failures=1)
    first = Subscription(redis, "g", "dead", flaky, block_ms=10, stream=stream)
    await drain(first)
    assert (await redis.xpending(stream, "g"))["pending"] == 1
    # Another process claims it back once it has been idle long enough (here: at once).
    second = Subscription(redis, "g", "alive", flaky, block_ms=10, claim_idle_ms=0, stream=stream)
    await drain(second)
    assert flaky.seen == [event.id, event.id]
    assert (await redis.xpending(stream, "g"))["pending"] == 0


async def test_an_event_that_keeps_failing_is_set_aside(redis: Redis, stream: str) -> None:
    poison, fine = base_created(), base_created()
    await publish(redis, stream, poison)
    broken = Recorder(failures=1000)
    sub = Subscription(redis, "g", "c", broken, block_ms=10, claim_idle_ms=0, stream=stream)
    await sub.ensure_group()
    for _ in range(MAX_DELIVERIES + 1):
        await sub.poll_once()
    assert broken.seen == [poison.id] * MAX_DELIVERIES
    dead: Any = await redis.xrange(dead_letters(stream, "g"))
    assert [f["id"] for _, f in dead] == [poison.id]
    assert (await redis.xpending(stream, "g"))["pending"] == 0
    # The group goes on with the next event.
    await publish(redis, stream, fine)
    broken.failures = 0
    await drain(sub)
    assert broken.seen[-1] == fine.id


async def test_an_unreadable_event_is_set_aside(redis: Redis, stream: str) -> None:
    await redis.xadd(stream, {"id": "x1", "type": "base.created", "event": "{not json"})
    handler = Recorder()
    await drain(Subscription(redis, "g", "c", handler, block_ms=10, stream=stream))
    assert handler.seen == []
    dead: Any = await redis.xrange(dead_letters(stream, "g"))
    assert [f["id"] for _, f in dead] == ["x1"]
