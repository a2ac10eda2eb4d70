"""The analytics' subscription end to end on real PostgreSQL and Redis: an event written
through a real outbox, relayed to a stream and consumed by the "analytics" group shows in
the rollups; delivered again (a relay crash, a claim-back after a consumer died) it adds
nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.events.v1.events_pb2 import Actor, ActorKind, ChangedRecord, Event, RecordsChanged

from services.platform import bus
from services.platform.analytics_tables import usage_daily
from services.platform.rollups import Rollups
from services.platform.usage_queries import UsageQueries
from services.runtime import events
from tests.event_bus import drain, fresh_stream, scratch_schema

SCHEMA = "platform_bus_test"
metadata = sa.MetaData(schema=SCHEMA)
outbox = events.outbox_table(metadata)


@pytest.fixture(scope="module")
async def producer(engine: AsyncEngine) -> AsyncIterator[None]:
    """A producing service's outbox, as airtable's or llm's."""
    async with scratch_schema(engine, metadata):
        yield


@pytest.fixture
def stream() -> str:
    return fresh_stream()


def records_created(tenant: str, user: str, count: int) -> Event:
    payload = RecordsChanged(
        base_id="appB", table_id="tblT", table_name="Projects", records=[ChangedRecord()] * count
    )
    actor = Actor(kind=ActorKind.ACTOR_KIND_USER, id=user, role="member")
    return events.new_event("record.created", tenant, "airtable", actor=actor, records=payload)


async def test_an_event_through_outbox_relay_and_group_shows_once(
    producer: None,
    engine: AsyncEngine,
    redis: Redis,
    rollups: Rollups,
    queries: UsageQueries,
    tenant: str,
    stream: str,
) -> None:
    user = str(uuid.uuid4())
    first, second = records_created(tenant, user, 3), records_created(tenant, user, 2)
    async with engine.begin() as conn:
        await events.emit(conn, outbox, first, second)
    while await events.publish_batch(engine, redis, outbox, stream=stream):
        pass
    sub = bus.subscription(redis, rollups, "platform-test", stream=stream, block_ms=10)
    await drain(sub)
    today = datetime.now(UTC).date()
    assert await queries.series(usage_daily, tenant, "records.created", today, today, user) == {
        today: 5
    }
    # The relay published `first` again (it crashed before its commit), and a handler ran
    # once more for it before the group's dedupe mark was written.
    fields = {"id": first.id, "type": first.type, "event": events.to_json(first)}
    await redis.xadd(stream, fields)  # type: ignore[arg-type]
    await drain(sub)
    await bus.EventCounter(rollups)(first)
    assert await queries.series(usage_daily, tenant, "records.created", today, today, None) == {
        today: 5
    }
    assert (await redis.xpending(stream, bus.GROUP))["pending"] == 0
