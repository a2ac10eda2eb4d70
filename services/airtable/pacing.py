"""Request pacing per Airtable base: within one process, or shared by every worker via Redis.

Airtable allows 5 requests per second per base and answers 429 beyond it. The launcher runs
TABLEMESH_WORKERS processes per service, so a pace kept in each process alone would let N
workers send N times the limit. SharedRateLimiter keeps each base's next free slot in Redis
(`airtable:pace:<base_id>`, and `airtable:pace:meta` for meta API calls without a base) and
hands slots out with one Lua script, so every worker draws from the same pace. The script
reads Redis's own clock, so the workers' clocks need not agree. When Redis does not answer,
each process falls back to its own RateLimiter until Redis is back, so calls still go out.
"""

from __future__ import annotations

import asyncio
import math
import time

from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.runtime import logs

log = logs.get("airtable.pacing")

KEY_PREFIX = "airtable:pace:"

# KEYS[1] holds the next free slot in milliseconds of Redis's clock; ARGV[1] is the spacing
# in milliseconds and ARGV[2] how long, in milliseconds, the key outlives its slot. The
# script reserves the slot, moves the key one spacing on, and returns how many milliseconds
# the caller must sleep before it sends. It runs atomically, so concurrent callers in any
# process each get a slot of their own. Redis 5 and later replicate a script's effects,
# which is what lets it read TIME before writing.
PACE_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or 0))
local after = slot + tonumber(ARGV[1])
redis.call('SET', KEYS[1], after, 'PX', after - now + tonumber(ARGV[2]))
return slot - now
"""


class RateLimiter:
    """Spaces calls per key (a base id) at most `per_second` apart, in this process only."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second
        self._next: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def wait(self, key: str) -> None:
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            now = time.monotonic()
            start = max(now, self._next.get(key, now))
            self._next[key] = start + self.interval
            if start > now:
                await asyncio.sleep(start - now)


class SharedRateLimiter:
    """Spaces calls per key (a base id) at most `per_second` apart across all processes."""

    def __init__(
        self,
        redis: Redis,
        per_second: float,
        *,
        timeout: float = 1.0,
        retry_after: float = 5.0,
        ttl_ms: int = 10_000,
    ) -> None:
        self.redis = redis
        # Whole milliseconds, rounded up, so rounding never lets the pace exceed the limit.
        self.interval_ms = math.ceil(1000 / per_second)
        self.local = RateLimiter(per_second)
        # Redis that has not answered within `timeout` seconds is left alone for
        # `retry_after` seconds, so an outage costs one slow call, not one per request.
        self.timeout = timeout
        self.retry_after = retry_after
        self.ttl_ms = ttl_ms
        self._script = redis.register_script(PACE_SCRIPT)
        self._retry_at = 0.0
        self.degraded = False
        # How many times the pace fell back to this process (a figure for tests and logs).
        self.outages = 0

    @staticmethod
    def key(base_id: str) -> str:
        return KEY_PREFIX + (base_id or "meta")

    async def wait(self, key: str) -> None:
        delay_ms = await self._reserve(key)
        if delay_ms is None:
            await self.local.wait(key)
        elif delay_ms > 0:
            await asyncio.sleep(delay_ms / 1000)

    async def _reserve(self, key: str) -> int | None:
        """Milliseconds to sleep before the slot, or None when Redis cannot be asked."""
        if self.degraded and time.monotonic() < self._retry_at:
            return None
        try:
            delay = await asyncio.wait_for(
                self._script(
                    keys=[self.key(key)],
                    args=[self.interval_ms, self.ttl_ms],
                    client=self.redis,
                ),
                self.timeout,
            )
        except (RedisError, OSError, TimeoutError) as exc:
            self._retry_at = time.monotonic() + self.retry_after
            if not self.degraded:
                # One warning per outage: every call until Redis is back would repeat it.
                self.degraded = True
                self.outages += 1
                log.warning(
                    "airtable pace falls back to this process: Redis did not answer",
                    error=f"{type(exc).__name__}: {exc}",
                    retry_in=self.retry_after,
                )
            return None
        if self.degraded:
            self.degraded = False
            log.info("airtable pace is shared through Redis again")
        return int(delay)
