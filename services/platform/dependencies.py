"""What every service depends on, checked from the platform service: PostgreSQL, Redis and
the Envoy gateway. Each check is bounded in time and never reports an address or an error
text that could carry a socket path or credentials (the health answer is public)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from services.platform.mesh_health import TIMEOUT, Answer
from services.runtime import registry


def envoy_admin_address() -> str:
    """Envoy's admin listener; TABLEMESH_ENVOY_ADMIN_ADDR overrides it (containers)."""
    default = f"127.0.0.1:{registry.envoy_admin_port()}"
    return os.environ.get("TABLEMESH_ENVOY_ADMIN_ADDR") or default


async def _timed(
    name: str,
    address: str,
    probe: Callable[[], Awaitable[None]],
    unreachable: tuple[type[Exception], ...] = (),
) -> Answer:
    """Runs `probe`; `unreachable` adds the errors of its client that mean no answer."""
    start = time.perf_counter()
    no_answer: tuple[type[Exception], ...] = (OSError, TimeoutError, RedisError, *unreachable)
    try:
        await asyncio.wait_for(probe(), TIMEOUT)
        status, error = "SERVING", ""
    except no_answer as exc:
        status, error = "UNREACHABLE", f"{name} did not answer ({type(exc).__name__})"
    except RuntimeError as exc:
        status, error = "NOT_SERVING", str(exc)
    latency = round((time.perf_counter() - start) * 1000, 2)
    return Answer(name, address, status, latency, "", error)


# psycopg and httpx load at the first mesh health request: the platform service has no
# database and asks Envoy nothing else, so most of its life it never needs them.
async def check_postgres(database_url: str | None) -> Answer:
    import psycopg

    async def probe() -> None:
        if not database_url:
            raise RuntimeError("DATABASE_URL is not set")
        async with await psycopg.AsyncConnection.connect(database_url, connect_timeout=1) as conn:
            await conn.execute("SELECT 1")

    return await _timed("postgres", "", probe, (psycopg.Error,))


async def check_redis(redis: Redis) -> Answer:
    async def probe() -> None:
        await redis.ping()

    return await _timed("redis", "", probe)


async def check_envoy(address: str) -> Answer:
    import httpx

    async def probe() -> None:
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            reply = await client.get(f"http://{address}/ready")
        if reply.status_code != 200:
            raise RuntimeError(f"envoy is {reply.text.strip().lower() or 'not ready'}")

    return await _timed("envoy", address, probe, (httpx.HTTPError,))


async def check_dependencies(database_url: str | None, redis: Redis) -> list[Answer]:
    return list(
        await asyncio.gather(
            check_postgres(database_url), check_redis(redis), check_envoy(envoy_admin_address())
        )
    )
