"""Events of attempts that changed nothing (a failed sign-in, a refused service token),
written to the outbox in batches, off the request's path.

Such an event has no change to share a transaction with, and the request that made it must
not wait on a database write (a failed sign-in is answered as fast as a good one). `add`
only queues it; `run` (a background task) writes what is queued in transactions of up to
BATCH events, and keeps them queued while PostgreSQL is away. A process that dies loses
what it had not yet written: at most a fraction of a second of failed attempts.
"""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.events.v1.events_pb2 import Event

from services.runtime import logs
from services.runtime.events import emit_alone

BATCH = 100
# Events held at most; past it new ones are dropped (and counted in the log): a flood of
# failed attempts must not grow a process without bound.
MAX_QUEUED = 10_000
RETRY_SECONDS = 1.0
log = logs.get("event_spool")


class EventSpool:
    def __init__(self, engine: AsyncEngine, outbox: sa.Table) -> None:
        self._engine = engine
        self._outbox = outbox
        self._queue: asyncio.Queue[Event] = asyncio.Queue(MAX_QUEUED)

    def add(self, event: Event) -> None:
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            log.error("event spool full: an event was dropped", type=event.type)

    async def write_queued(self) -> int:
        """Writes what is queued now (waiting for a first event); answers how many."""
        batch = [await self._queue.get()]
        while len(batch) < BATCH and not self._queue.empty():
            batch.append(self._queue.get_nowait())
        while True:
            try:
                await emit_alone(self._engine, self._outbox, *batch)
                return len(batch)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - PostgreSQL away: keep them, retry
                log.warning("queued events not written; retrying", error=type(exc).__name__)
                await asyncio.sleep(RETRY_SECONDS)

    async def run(self) -> None:
        while True:
            await self.write_queued()
