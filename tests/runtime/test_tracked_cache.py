"""In-process copies of Redis keys (runtime/tracked_cache) against a real Redis: a write by
anyone drops them within the bound, a read that raced a write keeps nothing, and a feed
that dies or falls silent makes every read go to Redis (fail closed)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from services.runtime import tracked_cache
from services.runtime.cache import create_redis
from services.runtime.tracked_cache import MISSING, TrackedCache
from tests.runtime.freezing_proxy import FreezingProxy

# Bounds real elapsed time, deadlines or leases: `make test` runs it before the meshes boot.
pytestmark = pytest.mark.realtime

BOUND_SECONDS = 0.1


async def until(condition: object, within: float = 5.0) -> float:
    """Seconds until `condition()` holds (polled), failing after `within`."""
    began = time.monotonic()
    while not condition():  # type: ignore[operator]
        assert time.monotonic() - began < within, "condition never held"
        await asyncio.sleep(0.001)
    return time.monotonic() - began


async def kept(cache: TrackedCache, keys: list[str]) -> list[str | None]:
    """Reads until every key has a copy (a read that overlaps the invalidation of an
    earlier write keeps nothing, by design)."""
    values = await cache.mget(keys)
    while MISSING in [cache.get(k) for k in keys]:
        values = await cache.mget(keys)
    return values


@pytest.fixture()
def prefix() -> str:
    return f"test:tracked:{uuid.uuid4().hex}:"


@pytest.fixture()
async def cache(redis: Redis, prefix: str) -> AsyncIterator[TrackedCache]:
    cache = TrackedCache(redis, [prefix])
    feed = asyncio.create_task(cache.run())
    await until(lambda: cache.live)
    yield cache
    feed.cancel()


async def test_copies_answer_until_anyone_writes_the_key(
    cache: TrackedCache, redis: Redis, prefix: str
) -> None:
    key, absent = prefix + "a", prefix + "b"
    await redis.set(key, "1")
    assert await kept(cache, [key, absent]) == ["1", None]
    assert (cache.get(key), cache.get(absent)) == ("1", None)  # absence is kept too
    await redis.set(key, "2")
    await redis.set(absent, "now here")
    waited = await until(lambda: cache.get(key) is MISSING and cache.get(absent) is MISSING)
    assert waited < BOUND_SECONDS
    assert await cache.mget([key, absent]) == ["2", "now here"]
    await redis.delete(key, absent)
    assert await until(lambda: cache.get(key) is MISSING) < BOUND_SECONDS


async def test_keys_outside_the_prefixes_are_not_kept(cache: TrackedCache, redis: Redis) -> None:
    other = f"test:untracked:{uuid.uuid4().hex}"
    await redis.set(other, "x")
    assert await cache.mget([other]) == ["x"]
    assert cache.get(other) is MISSING


async def test_a_read_that_raced_a_write_is_not_kept(cache: TrackedCache, prefix: str) -> None:
    key = prefix + "raced"
    before = cache.generation
    cache.drop(key)  # a write (here, this process's own) lands while a read is in flight
    cache.put(key, "read before the write", before)
    assert cache.get(key) is MISSING
    cache.put(key, "read after it", cache.generation)
    assert cache.get(key) == "read after it"


async def test_a_killed_feed_drops_every_copy_and_reads_go_to_redis(
    cache: TrackedCache, redis: Redis, prefix: str
) -> None:
    key = prefix + "k"
    await redis.set(key, "old")
    assert await kept(cache, [key]) == ["old"]
    killed = cache.feed_client_id
    await redis.execute_command("CLIENT", "KILL", "ID", killed)
    await until(lambda: not cache.live)
    assert cache.get(key) is MISSING
    await redis.set(key, "new")
    assert await cache.mget([key]) == ["new"]
    # The feed comes back on a new connection, with nothing kept from before.
    await until(lambda: cache.live and cache.feed_client_id != killed)
    assert await kept(cache, [key]) == ["new"]


async def test_a_silent_feed_fails_closed(redis_url: str, redis: Redis, prefix: str) -> None:
    key = prefix + "s"
    await redis.set(key, "old")
    async with FreezingProxy(redis_url) as proxy:
        through = create_redis(proxy.url)
        cache = TrackedCache(through, [prefix])
        feed = asyncio.create_task(cache.run())
        try:
            await until(lambda: cache.live)
            assert await kept(cache, [key]) == ["old"]
            # The feed's connection stays open but nothing comes back on it any more.
            proxy.freeze_subscribers()
            await redis.set(key, "new")
            waited = await until(lambda: not cache.live)
            assert waited <= tracked_cache.MAX_SILENCE + BOUND_SECONDS
            assert cache.get(key) is MISSING
            assert await cache.mget([key]) == ["new"]
        finally:
            feed.cancel()
            await through.aclose()
