"""Records the audited events of the mesh's event bus (consumer group "audit").

Which events are audited is read from the events proto (rules.py). The bus delivers at
least once; the log appends an event id once (log.append skips ids it holds, under the
head's lock), so a redelivery adds nothing.
"""

from __future__ import annotations

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.events.v1.events_pb2 import Event

from services.audit import log
from services.audit.record import from_event
from services.audit.rules import rule_for
from services.runtime.events import STREAM
from services.runtime.subscriptions import Subscription

GROUP = "audit"


class Recorder:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def __call__(self, event: Event) -> None:
        rule = rule_for(event)
        if rule is not None:
            await log.append(self.engine, [from_event(event, rule)])


def subscription(
    redis: Redis, engine: AsyncEngine, consumer: str, stream: str = STREAM, block_ms: int = 1000
) -> Subscription:
    # Every type: whether one is audited is the payload's option, not a type list.
    return Subscription(
        redis, GROUP, consumer, Recorder(engine), None, stream=stream, block_ms=block_ms
    )
