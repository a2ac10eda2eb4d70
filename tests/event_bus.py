"""For tests of the event bus and its subscribers: a scratch schema holding a producing
service's outbox, a stream of a test's own (the tests share one Redis), events put on it
as the relay puts them, and a subscription run until it has nothing left."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator

import sqlalchemy as sa
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.events.v1.events_pb2 import Event

from services.runtime import events
from services.runtime.subscriptions import Subscription


@contextlib.asynccontextmanager
async def scratch_schema(engine: AsyncEngine, metadata: sa.MetaData) -> AsyncIterator[None]:
    """The metadata's schema and tables, created for the block and dropped after it."""
    async with engine.begin() as conn:
        await conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {metadata.schema}"))
        await conn.run_sync(metadata.create_all)
    try:
        yield
    finally:
        async with engine.begin() as conn:
            await conn.execute(sa.text(f"DROP SCHEMA {metadata.schema} CASCADE"))


def fresh_stream() -> str:
    return f"test:events:{uuid.uuid4().hex}"


async def publish(redis: Redis, stream: str, *batch: Event) -> None:
    """XADDs the events as the relay does (events.publish_batch)."""
    for event in batch:
        fields = {"id": event.id, "type": event.type, "event": events.to_json(event)}
        await redis.xadd(stream, fields)  # type: ignore[arg-type]


async def drain(sub: Subscription) -> None:
    """Delivers what the subscription's stream holds, until a poll finds nothing."""
    await sub.ensure_group()
    while await sub.poll_once():
        pass
