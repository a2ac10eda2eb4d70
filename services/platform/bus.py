"""Counts every event of the mesh's event bus into the daily figures (consumer group
"analytics"): per tenant, user and UTC day of the event.

The bus delivers at least once and deduplicates by event id, but marks an event handled
only after this handler returned; the handler closes that window itself: the event's id
is marked in the same transaction as its figures (Rollups.apply_once), so an event
delivered again adds nothing.
"""

from __future__ import annotations

from redis.asyncio import Redis
from tablemesh.events.v1.events_pb2 import Event

from services.platform import figures
from services.platform.analytics_tables import usage_daily
from services.platform.rollups import Rollups
from services.runtime import logs
from services.runtime.events import STREAM
from services.runtime.subscriptions import Subscription

GROUP = "analytics"
log = logs.get("analytics.bus")


class EventCounter:
    """The handler of every event type."""

    def __init__(self, rollups: Rollups) -> None:
        self.rollups = rollups

    async def __call__(self, event: Event) -> None:
        if not event.tenant_id:
            log.warning("event without a tenant skipped", event_id=event.id, type=event.type)
            return
        found = figures.of_event(event)
        await self.rollups.apply_once(
            f"event:{event.id}", usage_daily, found.increments, found.table_writes
        )


def subscription(
    redis: Redis, rollups: Rollups, consumer: str, stream: str = STREAM, block_ms: int = 1000
) -> Subscription:
    """Every type: None."""
    return Subscription(
        redis, GROUP, consumer, EventCounter(rollups), None, stream=stream, block_ms=block_ms
    )
