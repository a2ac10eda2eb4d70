"""API calls from the services' counters to the daily figures, on real Redis and
PostgreSQL: counted in process, flushed to a Redis hash in one round trip, rolled up by
the platform; counts flushed while a roll-up runs land in the next one; a batch a dead
platform process left behind is added by the next pass, once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

import pytest
from redis.asyncio import Redis

from services.platform.analytics_tables import usage_daily
from services.platform.call_rollup import CallRollup
from services.platform.rollups import Rollups
from services.platform.usage_queries import UsageQueries
from services.runtime import clock
from services.runtime.call_counter import CallCounter
from tests.clock import FakeClock


@pytest.fixture
def key() -> Iterator[str]:
    """A hash of the test's own: other tests share this Redis."""
    yield f"test:api_calls:{uuid.uuid4().hex}"


async def calls_on(queries: UsageQueries, tenant: str, user: str | None) -> dict[date, float]:
    today = clock.now().date()
    return await queries.series(usage_daily, tenant, "api.calls", today, today, user)


async def test_counts_reach_the_figures_once(
    redis: Redis, rollups: Rollups, queries: UsageQueries, tenant: str, key: str
) -> None:
    counter = CallCounter(key)
    for _ in range(3):
        counter.count(tenant, "ada")
    counter.count(tenant, "grace")
    assert await counter.flush(redis) == 2 and counter.pending() == 0
    rollup = CallRollup(redis, rollups, "p1", key)
    assert await rollup.once() == 1
    assert await rollup.once() == 0  # nothing new: nothing added
    today = clock.now().date()
    assert await calls_on(queries, tenant, "ada") == {today: 3}
    assert await calls_on(queries, tenant, None) == {today: 4}
    counter.count(tenant, "ada")
    await counter.flush(redis)
    await rollup.once()
    assert await calls_on(queries, tenant, "ada") == {today: 4}
    assert await redis.keys(key + "*") == []


async def test_a_batch_left_by_a_dead_process_is_added_once(
    redis: Redis, rollups: Rollups, queries: UsageQueries, tenant: str, key: str
) -> None:
    counter = CallCounter(key)
    counter.count(tenant, "ada")
    await counter.flush(redis)
    # A process took the counts as its batch, added them, and died before deleting it.
    dead = CallRollup(redis, rollups, "dead", key)
    left = f"{dead.batch_prefix}dead:1"
    await redis.rename(key, left)
    await dead.rollups.apply_once(left, usage_daily, [])  # its mark, as if it added them
    # And another batch it took but never added.
    counter.count(tenant, "grace")
    counter.count(tenant, "grace")
    await counter.flush(redis)
    await redis.rename(key, f"{dead.batch_prefix}dead:2")
    await CallRollup(redis, rollups, "alive", key).once()
    assert await calls_on(queries, tenant, "ada") == {}  # the mark said: added already
    assert list((await calls_on(queries, tenant, "grace")).values()) == [2]
    assert await redis.keys(key + "*") == []


async def test_counts_are_kept_on_the_day_they_were_made(
    redis: Redis, rollups: Rollups, queries: UsageQueries, tenant: str, key: str, clock: FakeClock
) -> None:
    counter = CallCounter(key)
    counter.count(tenant, "ada")
    yesterday = clock.now().date()
    clock.advance(24 * 3600)
    counter.count(tenant, "ada")
    await counter.flush(redis)
    await CallRollup(redis, rollups, "p", key).once()
    today = clock.now().date()
    found = await queries.series(usage_daily, tenant, "api.calls", yesterday, today, "ada")
    assert found == {yesterday: 1, today: 1}


async def test_counts_survive_redis_being_away(tenant: str, key: str) -> None:
    counter = CallCounter(key)
    counter.count(tenant, "ada")
    away = Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    with pytest.raises(Exception):  # noqa: B017 - whatever redis-py raises for a refused port
        await counter.flush(away)
    await away.aclose()
    assert counter.pending() == 1
