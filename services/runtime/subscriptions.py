"""Subscribing to the event bus: one consumer group per subscriber, at least once, deduped.

Each subscriber (saga onboarding, workflows, webhooks, audit, analytics) names a group;
Redis gives each event of the stream to one process of the group. An event is
acknowledged only once its handler returned, so a crash leaves it pending, and another
process claims it back after CLAIM_IDLE_MS (XAUTOCLAIM). Events are deduplicated by id per
group: the relay may publish one twice, and a claimed-back event may have been handled
just before the crash. The dedupe mark is written after the handler, so handlers must
still be idempotent for that one window (a request id derived from the event id does it).

A handler that keeps failing does not block the group: after MAX_DELIVERIES attempts the
event goes to the group's dead-letter stream ("tablemesh:events:dead:<group>") and is
acknowledged.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError
from tablemesh.events.v1.events_pb2 import Event

from services.runtime import logs
from services.runtime.events import STREAM, from_json

Handler = Callable[[Event], Awaitable[None]]
# Pending events of a consumer silent this long (ms) are taken over by another.
CLAIM_IDLE_MS = 5_000
# Attempts before an event is set aside in the dead-letter stream.
MAX_DELIVERIES = 5
# How long a handled event's id is remembered per group.
DEDUPE_SECONDS = 7 * 24 * 3600
READ_COUNT = 50
log = logs.get("subscriptions")


def consumer_name(service: str) -> str:
    """A name unique to this process across hosts."""
    return f"{service}-{socket.gethostname()}-{os.getpid()}"


def dead_letters(stream: str, group: str) -> str:
    return f"{stream}:dead:{group}"


class Subscription:
    """Delivers the stream's events of the given types to `handler`, in one group."""

    def __init__(
        self,
        redis: Redis,
        group: str,
        consumer: str,
        handler: Handler,
        types: Collection[str] | None = None,
        *,
        block_ms: int = 1000,
        claim_idle_ms: int = CLAIM_IDLE_MS,
        stream: str = STREAM,
    ) -> None:
        self.redis = redis
        self.group = group
        self.consumer = consumer
        self.handler = handler
        # None: every type.
        self.types = frozenset(types) if types is not None else None
        self.block_ms = block_ms
        self.claim_idle_ms = claim_idle_ms
        # Another stream than the mesh's only in tests, which share one Redis.
        self.stream = stream

    async def ensure_group(self) -> None:
        """Creates the group at the stream's start (events from before a first deploy of a
        subscriber are read too), once."""
        try:
            await self.redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def _seen_key(self, event_id: str) -> str:
        return f"events:seen:{self.group}:{event_id}"

    async def deliver(self, entry_id: str, fields: dict[str, str] | None) -> None:
        """Handles one stream entry and acknowledges it (unless the handler raised)."""
        if not fields:  # trimmed from the stream while pending: nothing left to handle
            await self.redis.xack(self.stream, self.group, entry_id)
            return
        wanted = self.types is None or fields.get("type") in self.types
        event_id = fields.get("id", "")
        if wanted and event_id and not await self.redis.exists(self._seen_key(event_id)):
            try:
                event = from_json(fields["event"])
            except (KeyError, ValueError) as exc:
                log.error("unreadable event set aside", group=self.group, error=str(exc))
                await self._set_aside(entry_id, fields)
                return
            await self.handler(event)
            await self.redis.set(self._seen_key(event_id), "1", ex=DEDUPE_SECONDS)
        await self.redis.xack(self.stream, self.group, entry_id)

    async def _set_aside(self, entry_id: str, fields: dict[str, str] | None) -> None:
        if fields:
            dead: dict[Any, Any] = dict(fields)
            await self.redis.xadd(dead_letters(self.stream, self.group), dead, maxlen=10_000)
        await self.redis.xack(self.stream, self.group, entry_id)

    async def _deliver_all(
        self, entries: list[tuple[str, dict[str, str] | None]], retried: bool
    ) -> None:
        for entry_id, fields in entries:
            attempts = await self._attempts(entry_id) if retried else 1
            if attempts > MAX_DELIVERIES:
                log.error(
                    "event set aside after repeated failures",
                    group=self.group,
                    event_id=(fields or {}).get("id"),
                    type=(fields or {}).get("type"),
                )
                await self._set_aside(entry_id, fields)
                continue
            try:
                await self.deliver(entry_id, fields)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - left pending, claimed back later
                log.warning(
                    "event handler failed; it will be retried",
                    group=self.group,
                    event_id=(fields or {}).get("id"),
                    type=(fields or {}).get("type"),
                    error=str(exc),
                    kind=type(exc).__name__,
                )

    async def _attempts(self, entry_id: str) -> int:
        pending: Any = await self.redis.xpending_range(
            self.stream, self.group, min=entry_id, max=entry_id, count=1
        )
        return int(pending[0]["times_delivered"]) if pending else 1

    async def poll_once(self) -> int:
        """Claims back stale pending events, then reads new ones; answers how many."""
        claimed: Any = await self.redis.xautoclaim(
            self.stream, self.group, self.consumer, self.claim_idle_ms, "0-0", count=READ_COUNT
        )
        await self._deliver_all(claimed[1], retried=True)
        reply: Any = await self.redis.xreadgroup(
            self.group, self.consumer, {self.stream: ">"}, count=READ_COUNT, block=self.block_ms
        )
        entries = [e for _, batch in reply or [] for e in batch]
        await self._deliver_all(entries, retried=False)
        return len(claimed[1]) + len(entries)

    async def run(self) -> None:
        """Consumes until cancelled, riding out Redis being briefly away."""
        await self.ensure_group()
        while True:
            try:
                await self.poll_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - Redis briefly away
                log.warning("event consumption failed; retrying", group=self.group, error=str(exc))
                await asyncio.sleep(1)
                if "NOGROUP" in str(exc):
                    await self.ensure_group()
