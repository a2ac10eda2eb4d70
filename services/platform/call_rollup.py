"""Rolls the services' API call counts (a Redis hash, services/runtime/call_counter.py) up
into the daily figures, every few seconds.

A pass renames the hash to a batch key of its own (atomic: counts flushed afterwards start
a new hash), adds the batch under its key's mark (Rollups.apply_once), then deletes it. A
platform process that died between the rename and the delete leaves its batch behind; the
next pass of any process finds it and adds it, unless its mark says it was added already.
"""

from __future__ import annotations

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from services.platform.analytics_tables import usage_daily
from services.platform.figures import API_CALLS, Increment
from services.platform.rollups import Rollups
from services.runtime import clock, logs
from services.runtime.background import poll_forever
from services.runtime.call_counter import API_CALLS_KEY, parse_field

INTERVAL = 5.0
PRUNE_EVERY = 3600.0
log = logs.get("analytics.calls")


def increments(fields: dict[str, str]) -> list[Increment]:
    found = []
    for field, count in fields.items():
        try:
            day, tenant_id, user_id = parse_field(field)
            n = int(count)
        except ValueError:
            log.error("unreadable API call count skipped", field=field[:200])
            continue
        found.append(Increment(tenant_id, user_id, day, API_CALLS, n))
    return found


class CallRollup:
    def __init__(
        self, redis: Redis, rollups: Rollups, batch_id: str, key: str = API_CALLS_KEY
    ) -> None:
        self.redis = redis
        # The services' hash (call_counter.CallCounter.key), and its batches' prefix.
        self.key = key
        self.batch_prefix = key + ":batch:"
        self.rollups = rollups
        # Unique to this process: its batches' keys.
        self.batch_id = batch_id
        self._taken = 0
        self._pruned_at = clock.monotonic()

    async def apply(self, batch: str) -> None:
        fields: dict[str, str] = await self.redis.hgetall(batch)  # type: ignore[misc,assignment]
        await self.rollups.apply_once(batch, usage_daily, increments(fields))
        await self.redis.delete(batch)

    async def once(self) -> int:
        """Adds what was left behind, then what the services counted since; answers how
        many batches were added."""
        done = 0
        async for key in self.redis.scan_iter(match=self.batch_prefix + "*", count=100):
            await self.apply(key)
            done += 1
        self._taken += 1
        batch = f"{self.batch_prefix}{self.batch_id}:{self._taken}"
        try:
            await self.redis.rename(self.key, batch)
        except ResponseError as exc:
            if "no such key" not in str(exc).lower():
                raise
            return done
        await self.apply(batch)
        return done + 1

    async def one_pass(self) -> bool:
        if clock.monotonic() - self._pruned_at > PRUNE_EVERY:
            self._pruned_at = clock.monotonic()
            await self.rollups.prune_marks()
        await self.once()
        return False

    async def run(self, interval: float = INTERVAL) -> None:
        await poll_forever(self.one_pass, interval, "API call rollup")
