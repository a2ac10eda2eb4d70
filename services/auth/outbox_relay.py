"""Publishes auth's outbox to the Redis stream "tablemesh:events".

Events are written to auth.outbox in the same transaction as the change they announce; this
relay XADDs the unpublished ones and stamps published_at. Rows are taken with
`FOR UPDATE SKIP LOCKED`, so several auth workers relay side by side without publishing a
row twice at once. A crash between XADD and the commit publishes that row again later
(at least once); consumers deduplicate by the event's "id" (the outbox row id).
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.auth.store import now, outbox
from services.runtime import logs
from services.runtime.background import poll_forever

STREAM = "tablemesh:events"
# The stream keeps about this many events (consumer groups read far faster).
STREAM_MAXLEN = 100_000
BATCH = 100
log = logs.get("outbox_relay")


async def publish_batch(engine: AsyncEngine, redis: Redis, limit: int = BATCH) -> int:
    """Publishes up to `limit` unpublished events; answers how many."""
    async with engine.begin() as conn:
        query = (
            sa.select(outbox.c.id, outbox.c.topic, outbox.c.payload)
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = (await conn.execute(query)).all()
        for row in rows:
            event = {"id": str(row.id), "topic": row.topic, "payload": json.dumps(row.payload)}
            await redis.xadd(STREAM, event, maxlen=STREAM_MAXLEN, approximate=True)  # type: ignore[arg-type]
        if rows:
            ids = [row.id for row in rows]
            await conn.execute(
                outbox.update().where(outbox.c.id.in_(ids)).values(published_at=now())
            )
    return len(rows)


async def run(engine: AsyncEngine, redis: Redis, interval: float = 0.2) -> None:
    """Relays until cancelled; a full batch is followed at once by the next."""

    async def one_pass() -> bool:
        return await publish_batch(engine, redis) == BATCH

    await poll_forever(one_pass, interval, "outbox relay")
