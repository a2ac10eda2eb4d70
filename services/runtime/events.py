"""The mesh's event bus: a transactional outbox per service, one relay, consumer groups.

A change and the event announcing it are written in one transaction (`emit` into the
service's `event_outbox` table), so an event exists exactly when its change does. The relay
(one background task per process of a producing service) moves unpublished outbox rows to
the Redis stream "tablemesh:events" as protobuf JSON; rows are taken `FOR UPDATE SKIP
LOCKED`, so several workers relay side by side. `emit` also NOTIFYs the outbox's channel,
which PostgreSQL delivers at commit, so the relay publishes at once instead of at its next
poll (which stays, every `interval`, for a notification lost with its connection). A crash
between XADD and the commit publishes a row again: delivery is at least once, and
subscribers deduplicate by the event's id (subscriptions.py does that for them).

Events are `tablemesh.events.v1.Event` messages: an envelope (id, type, tenant, actor,
time, source, request id) around a typed payload.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
import structlog
from google.protobuf import json_format
from redis.asyncio import Redis
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from tablemesh.events.v1.events_pb2 import Actor, ActorKind, Event

from services.runtime import clock, logs, origin
from services.runtime.background import poll_forever
from services.runtime.config import settings
from services.runtime.identity import maybe_caller
from services.runtime.pg_listen import Listener, notify

STREAM = "tablemesh:events"
# The stream keeps about this many events; consumer groups read far faster than that.
STREAM_MAXLEN = 100_000
# Outbox rows relayed per transaction.
BATCH = 100
OUTBOX = "event_outbox"
# Published rows stay this long (for an operator's look at what was sent), then go; the
# relay prunes every PRUNE_EVERY seconds.
KEEP_PUBLISHED = timedelta(days=1)
PRUNE_EVERY = 300.0
log = logs.get("events")


def outbox_table(metadata: sa.MetaData) -> sa.Table:
    """A service's outbox, in its own schema (the metadata's)."""
    return sa.Table(
        OUTBOX,
        metadata,
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("event_id", postgresql.UUID(as_uuid=False), nullable=False, unique=True),
        sa.Column("type", sa.Text, nullable=False),
        # The Event as protobuf JSON, exactly as it goes onto the stream.
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True)),
    )


def create_outbox(op: Any, schema: str) -> None:
    """The migration step that creates a service's outbox (alembic's `op`)."""
    op.create_table(
        OUTBOX,
        *outbox_table(sa.MetaData()).columns,
        schema=schema,
    )
    op.create_index(
        "event_outbox_unpublished",
        OUTBOX,
        ["id"],
        schema=schema,
        postgresql_where=sa.text("published_at IS NULL"),
    )


def current_actor() -> Actor:
    """Who makes the current request: its verified caller, or nobody (a public call)."""
    caller = maybe_caller()
    if caller is None:
        return Actor(kind=ActorKind.ACTOR_KIND_ANONYMOUS)
    if caller.is_service:
        return Actor(kind=ActorKind.ACTOR_KIND_SERVICE, id=caller.user_id, role=caller.role)
    return Actor(kind=ActorKind.ACTOR_KIND_USER, id=caller.user_id, role=caller.role)


def new_event(
    type_: str, tenant_id: str, source: str, actor: Actor | None = None, **payload: Any
) -> Event:
    """An event of the current request (its actor and request id unless given), with one
    payload field set, e.g. `new_event("base.created", t, "airtable", base=BaseChanged(...))`."""
    request_id = structlog.contextvars.get_contextvars().get("request_id", "")
    came_from = origin.current()
    event = Event(
        id=str(uuid.uuid4()),
        type=type_,
        tenant_id=tenant_id,
        actor=actor if actor is not None else current_actor(),
        source=source,
        request_id=request_id,
        source_ip=came_from.source_ip,
        user_agent=came_from.user_agent,
        **payload,
    )
    event.time.FromDatetime(clock.now())
    return event


def to_json(event: Event) -> str:
    return json_format.MessageToJson(event, indent=None, preserving_proto_field_name=True)


def from_json(text: str) -> Event:
    """Parses an event; fields this version does not know are skipped (newer producers).
    Raises ValueError for what is no event."""
    try:
        return json_format.Parse(text, Event(), ignore_unknown_fields=True)
    except json_format.ParseError as exc:
        raise ValueError(f"not an event: {exc}") from exc


def channel(outbox: sa.Table) -> str:
    """The NOTIFY channel of an outbox: one per service schema."""
    return f"{outbox.schema or 'public'}_{OUTBOX}"


async def emit(conn: AsyncConnection, outbox: sa.Table, *events: Event) -> None:
    """Writes events into the outbox inside the caller's transaction (and tells the relay,
    at commit)."""
    if not events:
        return
    stamp = clock.now()
    await conn.execute(
        outbox.insert(),
        [
            {"event_id": e.id, "type": e.type, "body": to_json(e), "created_at": stamp}
            for e in events
        ],
    )
    await notify(conn, channel(outbox))


async def emit_alone(engine: AsyncEngine, outbox: sa.Table, *events: Event) -> None:
    """Writes events in a transaction of their own: for changes made outside our database
    (the Airtable backend's), announced once they were accepted there."""
    async with engine.begin() as conn:
        await emit(conn, outbox, *events)


async def publish_batch(
    engine: AsyncEngine, redis: Redis, outbox: sa.Table, limit: int = BATCH, stream: str = STREAM
) -> int:
    """Publishes up to `limit` unpublished events, oldest first; answers how many."""
    async with engine.begin() as conn:
        query = (
            sa.select(outbox.c.id, outbox.c.event_id, outbox.c.type, outbox.c.body)
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = (await conn.execute(query)).all()
        if not rows:
            return 0
        async with redis.pipeline(transaction=False) as pipe:
            for row in rows:
                fields = {"id": str(row.event_id), "type": row.type, "event": row.body}
                pipe.xadd(stream, fields, maxlen=STREAM_MAXLEN, approximate=True)  # type: ignore[arg-type]
            await pipe.execute()
        ids = [row.id for row in rows]
        await conn.execute(
            outbox.update().where(outbox.c.id.in_(ids)).values(published_at=clock.now())
        )
    return len(rows)


async def prune(engine: AsyncEngine, outbox: sa.Table) -> int:
    """Deletes rows published more than KEEP_PUBLISHED ago; answers how many."""
    cutoff = clock.now() - KEEP_PUBLISHED
    async with engine.begin() as conn:
        done = await conn.execute(outbox.delete().where(outbox.c.published_at < cutoff))
    return int(done.rowcount)


async def relay(
    engine: AsyncEngine, redis: Redis, outbox: sa.Table, interval: float = 1.0, stream: str = STREAM
) -> None:
    """Relays until cancelled: as soon as a transaction that emitted commits, and every
    `interval` besides; a full batch is followed at once by the next. Now and then it
    prunes what was published long ago."""
    pruned_at = clock.monotonic()

    async def one_pass() -> bool:
        nonlocal pruned_at
        if clock.monotonic() - pruned_at > PRUNE_EVERY:
            pruned_at = clock.monotonic()
            await prune(engine, outbox)
        return await publish_batch(engine, redis, outbox, stream=stream) == BATCH

    if settings().worker_index != 0:  # the service's first worker listens for all of them
        await poll_forever(one_pass, interval, "event relay")
        return
    listener = Listener(engine, channel(outbox))
    try:
        await poll_forever(one_pass, interval, "event relay", listener)
    finally:
        await listener.close()
