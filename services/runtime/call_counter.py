"""Counts each user's calls through the gateway, per tenant, user and UTC day, off the
calls' path: the interceptor adds one to an in-process dict; a background task of every
service (started by server.serve) adds the counts to one Redis hash every FLUSH_SECONDS,
in one pipelined round trip; the platform service rolls the hash up into its daily
figures (services/platform/call_rollup.py).

Counted: calls that came through Envoy (it sets x-forwarded-for; the mesh's own clients
never send it, so a user's call is counted once, at the service the gateway routed it to,
not again at every service it passes through) made with a user's verified token. Calls
without a user (public ones, services) are not counted.
"""

from __future__ import annotations

import asyncio
from datetime import date

from redis.asyncio import Redis

from services.runtime import clock, logs

API_CALLS_KEY = "tablemesh:analytics:api_calls"
# The header Envoy adds to every request it forwards (use_remote_address).
GATEWAY_HEADER = "x-forwarded-for"
FLUSH_SECONDS = 5.0
# Counts kept at most while Redis is away (distinct tenant, user and day): past that the
# oldest are dropped, saying so.
MAX_KEYS = 100_000
SEPARATOR = "|"
log = logs.get("call_counter")


def field_of(day: date, tenant_id: str, user_id: str) -> str:
    return SEPARATOR.join((day.isoformat(), tenant_id, user_id))


def parse_field(field: str) -> tuple[date, str, str]:
    """The inverse of field_of; ValueError for anything else."""
    day, tenant_id, user_id = field.split(SEPARATOR, 2)
    return date.fromisoformat(day), tenant_id, user_id


class CallCounter:
    def __init__(self, key: str = API_CALLS_KEY) -> None:
        # The Redis hash (another than the mesh's only in tests, which share one Redis).
        self.key = key
        self._counts: dict[tuple[date, str, str], int] = {}

    def count(self, tenant_id: str, user_id: str) -> None:
        key = (clock.now().date(), tenant_id, user_id)
        self._counts[key] = self._counts.get(key, 0) + 1

    def pending(self) -> int:
        return sum(self._counts.values())

    async def flush(self, redis: Redis) -> int:
        """Adds the counts to Redis; on failure they are kept for the next flush."""
        counts, self._counts = self._counts, {}
        if not counts:
            return 0
        try:
            # MULTI/EXEC: all counts are added or none (kept for the next flush). Only a
            # reply lost after EXEC ran would add them twice.
            async with redis.pipeline(transaction=True) as pipe:
                for (day, tenant_id, user_id), n in counts.items():
                    pipe.hincrby(self.key, field_of(day, tenant_id, user_id), n)
                await pipe.execute()
        except BaseException:
            self._keep(counts)
            raise
        return len(counts)

    def _keep(self, counts: dict[tuple[date, str, str], int]) -> None:
        for key, n in counts.items():
            self._counts[key] = self._counts.get(key, 0) + n
        if len(self._counts) > MAX_KEYS:
            dropped = len(self._counts) - MAX_KEYS
            for key in list(self._counts)[:dropped]:
                del self._counts[key]
            log.warning("API call counts dropped while Redis was away", keys=dropped)

    async def flush_forever(self, redis: Redis, every: float = FLUSH_SECONDS) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await self.flush(redis)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - Redis briefly away: kept, tried again
                log.warning("flushing API call counts failed", error=str(exc))


# The process's one counter: the interceptor adds to it, serve() flushes it.
calls = CallCounter()
