"""A process-local copy of a few Redis keys, kept exact by Redis itself.

The hot path reads the same keys on every call: a token's denylist entry and its user's
"not before" time (identity), a profile (users). A copy in this process saves a Redis round
trip per key and call, and stays exact through Redis' server-assisted client-side caching:
one connection per process turns on `CLIENT TRACKING ... BCAST PREFIX ...` and subscribes
to `__redis__:invalidate`, so every write to a key under those prefixes, by anyone
(another worker, another service, an expiry, FLUSHDB), drops the copy here.

Fail closed: the copy is used only while the feed is known to be live: connected,
subscribed, and a heartbeat answered within MAX_SILENCE. When the feed drops, every copy is
dropped and reads go to Redis until it is back (and is cleared again, since invalidations
may have been missed in between).

Read-after-write: Redis queues the invalidation for every tracking client while it runs
the write, before the writer even gets its reply; the next request that could read the key
comes after that reply, so its worker's event loop sees the invalidation first (epoll
reports readiness in arrival order). A writer also drops its own copy at once (`drop`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from typing import Any, cast

from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection

from services.runtime import logs

log = logs.get("tracked_cache")

MISSING: Any = object()
CHANNEL = "__redis__:invalidate"
# A ping on the feed this often; without an answer for MAX_SILENCE the copy is not used.
HEARTBEAT = 0.1
MAX_SILENCE = 0.35
# Beyond this many keys the copy starts afresh (a bound on memory, not an eviction policy).
MAX_KEYS = 50_000
RECONNECT_DELAY = 0.2


class TrackedCache:
    """Local copies of Redis keys under `prefixes`, valid while the feed is live."""

    def __init__(self, redis: Redis, prefixes: Sequence[str] = ()) -> None:
        self._redis = redis
        self.prefixes = tuple(prefixes)
        self._values: dict[str, Any] = {}
        # Bumped by every invalidation: a read that raced one does not store its answer.
        self.generation = 0
        self._heard_at = float("-inf")
        self._subscribed = False
        # The feed connection's id at Redis (CLIENT LIST shows it; a drill kills it).
        self.feed_client_id: int | None = None

    def track(self, prefix: str) -> None:
        """Also keep copies of keys under `prefix` (before `run` starts the feed). Asking
        twice is asking once: Redis refuses a tracking prefix given twice."""
        if prefix not in self.prefixes:
            self.prefixes = (*self.prefixes, prefix)

    # --- what readers use ----------------------------------------------------------------
    @property
    def live(self) -> bool:
        return self._subscribed and time.monotonic() - self._heard_at < MAX_SILENCE

    def get(self, key: str) -> Any:
        """The local copy of `key` (None: the key is absent), or MISSING."""
        if not self.live:
            return MISSING
        return self._values.get(key, MISSING)

    def put(self, key: str, value: Any, generation: int) -> None:
        """Keeps `value`, read from Redis when `generation` was current."""
        # Only tracked keys: nothing would ever tell this process that another one changed.
        if generation != self.generation or not self.live or not key.startswith(self.prefixes):
            return
        if len(self._values) >= MAX_KEYS:
            self._values.clear()
        self._values[key] = value

    async def mget(self, keys: Sequence[str]) -> list[str | None]:
        """Redis MGET, answered locally when every key has a live copy."""
        found = [self.get(k) for k in keys]
        if MISSING not in found:
            return found
        generation = self.generation
        values = cast(list[str | None], await self._redis.mget(keys))
        for key, value in zip(keys, values, strict=True):
            self.put(key, value, generation)
        return values

    def drop(self, key: str) -> None:
        """This process wrote `key`: its copy goes now, before the feed says so."""
        self.generation += 1
        self._values.pop(key, None)

    # --- the feed ---------------------------------------------------------------------
    def _invalidate(self, keys: list[str] | None) -> None:
        self.generation += 1
        if keys is None:  # FLUSHDB/FLUSHALL, or the tracking table was full
            self._values.clear()
            return
        for key in keys:
            self._values.pop(key, None)

    def _lost(self) -> None:
        self._subscribed = False
        self.generation += 1
        self._values.clear()

    async def run(self) -> None:
        """Keeps the invalidation feed connected until cancelled."""
        while True:
            conn = self._feed_connection()
            try:
                await self._follow(conn)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - Redis away: reads go to Redis
                log.warning("invalidation feed lost; reading from Redis", error=str(exc))
            finally:
                self._lost()
                with contextlib.suppress(Exception):
                    # Without waiting for the close: cancelled in the middle of a read,
                    # the stream's wait_closed() may never return (seen at shutdown).
                    await conn.disconnect(nowait=True)
            await asyncio.sleep(RECONNECT_DELAY)

    def _feed_connection(self) -> AbstractConnection:
        pool = self._redis.connection_pool
        # RESP2 with a redirect to itself; no health-check PINGs of redis-py's own, which
        # would read the feed's messages as their answers.
        kwargs = {
            **pool.connection_kwargs,
            "protocol": 2,
            "health_check_interval": 0,
            "maint_notifications_config": None,
        }
        return pool.connection_class(**kwargs)

    async def _follow(self, conn: AbstractConnection) -> None:
        await conn.connect()
        await conn.send_command("CLIENT", "ID")
        client_id = self.feed_client_id = int(await conn.read_response())
        prefixes = [part for p in self.prefixes for part in ("PREFIX", p)]
        tracking = ("CLIENT", "TRACKING", "ON", "REDIRECT", client_id, "BCAST", *prefixes)
        await conn.send_command(*tracking)
        await conn.read_response()
        await conn.send_command("SUBSCRIBE", CHANNEL)
        await conn.read_response()
        # Whatever was kept before may have missed invalidations: start empty.
        self._invalidate(None)
        self._heard_at = time.monotonic()
        self._subscribed = True
        beat = asyncio.create_task(self._heartbeat(conn))
        try:
            while True:
                message = await conn.read_response()
                self._heard_at = time.monotonic()
                if isinstance(message, list) and message and message[0] == "message":
                    self._invalidate(message[2])
        finally:
            await _cancel(beat)

    async def _heartbeat(self, conn: AbstractConnection) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            await conn.send_command("PING")


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
