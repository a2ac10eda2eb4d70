"""Connection pools under a burst, against real Redis and PostgreSQL: a caller beyond the
pool waits for a connection (bounded), and a wait that runs out means UNAVAILABLE."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from redis.asyncio import Redis
from sqlalchemy import text

from services.runtime.cache import create_redis
from services.runtime.db import create_engine
from services.runtime.failures import unexpected

# Bounds real elapsed time, deadlines or leases: `make test` runs it before the meshes boot.
pytestmark = pytest.mark.realtime


async def hold_the_only_connection(client: Redis, seconds: float) -> None:
    # BLPOP on an empty list keeps the connection busy for `seconds`.
    await client.blpop(["pools-test-empty"], timeout=seconds)


async def test_redis_waits_for_a_free_connection(redis_url: str) -> None:
    client = create_redis(redis_url, max_connections=1, pool_timeout=5)
    try:
        holder = asyncio.create_task(hold_the_only_connection(client, 1))
        await asyncio.sleep(0.1)  # let the holder take the connection first
        assert await client.set("pools-test", "1") is True  # waited instead of failing
        await holder
    finally:
        await client.aclose()


async def test_redis_wait_that_runs_out_is_unavailable(redis_url: str) -> None:
    client = create_redis(redis_url, max_connections=1, pool_timeout=0.2)
    try:
        holder = asyncio.create_task(hold_the_only_connection(client, 2))
        await asyncio.sleep(0.1)
        with pytest.raises(Exception) as err:
            await client.get("pools-test")
        await holder
    finally:
        await client.aclose()
    answer = unexpected(err.value)
    assert answer.code == grpc.StatusCode.UNAVAILABLE
    assert answer.message == "the cache is unavailable; retry later"


async def test_database_wait_that_runs_out_is_unavailable(database_url: str) -> None:
    engine = create_engine(database_url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    try:
        async with engine.connect() as held:
            await held.execute(text("SELECT 1"))
            with pytest.raises(Exception) as err:
                async with engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
    finally:
        await engine.dispose()
    answer = unexpected(err.value)
    assert answer.code == grpc.StatusCode.UNAVAILABLE
    assert answer.message == "the database is unavailable; retry later"


async def test_database_waits_for_a_free_connection(database_url: str) -> None:
    engine = create_engine(database_url, pool_size=1, max_overflow=0, pool_timeout=5)

    async def query(seconds: float) -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})

    try:
        await asyncio.gather(query(0.3), query(0), query(0))
    finally:
        await engine.dispose()
