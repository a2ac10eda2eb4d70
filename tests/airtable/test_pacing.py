"""The per-base pace shared through Redis: two limiters or two AirtableHttp clients, each with
its own Redis client, stand for two worker processes. Timings assert the spacing held (lower
bounds, with a little tolerance) and only generous upper bounds, so a slow machine passes."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest
from redis.asyncio import Redis
from structlog.testing import capture_logs

from services.airtable.airtable_http import AirtableHttp
from services.airtable.pacing import SharedRateLimiter
from services.runtime.cache import create_redis
from services.runtime.errors import ResourceExhausted
from tests.airtable.fake_airtable import TOKEN, FakeAirtable, running
from tests.airtable.fake_records import FakeBase, new_id

# Bounds real elapsed time, deadlines or leases: `make test` runs it before the meshes boot.
pytestmark = pytest.mark.realtime

RATE = 5.0
SPACING = 1 / RATE
# Sleeps wake a few milliseconds late, and not all equally late: this much slack is allowed.
SLACK = 0.1


def closed_port() -> int:
    """A local port nothing listens on (bound and released at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def min_gap(times: list[float]) -> float:
    ordered = sorted(times)
    return min(b - a for a, b in zip(ordered, ordered[1:], strict=False))


def two_clients(fake: FakeAirtable, redis_url: str | None) -> list[AirtableHttp]:
    """Two clients as two workers would hold them: each its own Redis connection, or none."""
    return [
        AirtableHttp(
            fake.url,
            TOKEN,
            RATE,
            redis=create_redis(redis_url) if redis_url else None,
            backoff=0.02,
            max_backoff=0.2,
        )
        for _ in range(2)
    ]


async def hammer(clients: list[AirtableHttp], base_id: str, n: int) -> None:
    """n schema reads of one base, spread over the clients, all at once."""
    path = f"/v0/meta/bases/{base_id}/tables"
    calls = (clients[i % 2].call("GET", path, base_id=base_id) for i in range(n))
    await asyncio.gather(*calls)


async def close(clients: list[AirtableHttp]) -> None:
    for http in clients:
        await http.close()
        if isinstance(http.limiter, SharedRateLimiter):
            await http.limiter.redis.aclose()


def paced_base(fake: FakeAirtable) -> str:
    base = FakeBase(new_id("app"), "Paced")
    fake.bases[base.id] = base
    return base.id


async def test_two_limiters_share_a_base_and_bases_stay_apart(redis_url: str) -> None:
    redis_clients = [create_redis(redis_url) for _ in range(2)]
    limiters = [SharedRateLimiter(client, RATE) for client in redis_clients]
    busy, quiet = new_id("app"), new_id("app")

    async def take(limiter: SharedRateLimiter, base_id: str) -> float:
        await limiter.wait(base_id)
        return time.monotonic()

    start = time.monotonic()
    busy_times, quiet_times = await asyncio.gather(
        asyncio.gather(*(take(limiters[i % 2], busy) for i in range(20))),
        asyncio.gather(*(take(limiters[i % 2], quiet) for i in range(5))),
    )
    busy_took, quiet_took = max(busy_times) - start, max(quiet_times) - start
    # Twenty slots at 5/s: the last is 19 spacings after the first, whichever process asks.
    assert 19 * SPACING - 0.05 <= busy_took < 19 * SPACING + 3
    assert min_gap(busy_times) >= SPACING - SLACK
    # The quiet base needs 4 spacings of its own and does not queue behind the busy one.
    assert 4 * SPACING - 0.05 <= quiet_took < 2.5
    assert all(limiter.outages == 0 for limiter in limiters)
    await redis_clients[0].delete(*(SharedRateLimiter.key(b) for b in (busy, quiet)))
    for client in redis_clients:
        await client.aclose()


async def test_two_clients_keep_airtables_pace_together(redis_url: str) -> None:
    with running(FakeAirtable(throttle_every=0, rate_limit=RATE)) as fake:
        base_id = paced_base(fake)
        clients = two_clients(fake, redis_url)
        await hammer(clients, base_id, 20)
        arrivals = fake.arrivals[base_id]
        assert len(arrivals) == 20
        assert max(arrivals) - min(arrivals) >= 19 * SPACING - SLACK
        assert min_gap(arrivals) >= SPACING - SLACK
        assert fake.rate_violations == 0 and fake.throttled == 0
        assert [http.throttled for http in clients] == [0, 0]
        await close(clients)


async def test_two_clients_pacing_alone_exceed_airtables_pace() -> None:
    """The control: without Redis each process keeps its own pace, and Airtable sees both."""
    with running(FakeAirtable(throttle_every=0, rate_limit=RATE)) as fake:
        base_id = paced_base(fake)
        clients = two_clients(fake, None)
        for http in clients:
            # Retries at twice the pace would only meet more 429s, so each call tries once.
            http.retries = 0
        path = f"/v0/meta/bases/{base_id}/tables"
        calls = (clients[i % 2].call("GET", path, base_id=base_id) for i in range(20))
        answers = await asyncio.gather(*calls, return_exceptions=True)
        assert min_gap(fake.arrivals[base_id]) < SPACING / 2
        refused = [a for a in answers if isinstance(a, ResourceExhausted)]
        assert fake.rate_violations > 0 and len(refused) == fake.throttled > 0
        await close(clients)


async def test_redis_down_falls_back_to_the_process_pace() -> None:
    with running(FakeAirtable(throttle_every=0, rate_limit=RATE)) as fake:
        base_id = paced_base(fake)
        http = AirtableHttp(
            fake.url, TOKEN, RATE, redis=create_redis(f"redis://127.0.0.1:{closed_port()}/0")
        )
        assert isinstance(http.limiter, SharedRateLimiter)
        with capture_logs() as logged:
            start = time.monotonic()
            # Three rounds, because the warning must come once per outage, not per call.
            for _ in range(3):
                await hammer([http, http], base_id, 4)
            took = time.monotonic() - start
        arrivals = fake.arrivals[base_id]
        assert len(arrivals) == 12 and fake.throttled == 0
        assert min_gap(arrivals) >= SPACING - SLACK
        # At most one slow call to the absent Redis (its 1 s timeout), then the local pace.
        assert 11 * SPACING - 0.05 <= took < 11 * SPACING + http.limiter.timeout + 3
        assert http.limiter.degraded and http.limiter.outages == 1
        warnings = [e for e in logged if e["log_level"] == "warning"]
        assert len(warnings) == 1 and "falls back" in warnings[0]["event"]
        await close([http])


async def test_pace_is_shared_again_once_redis_answers(redis: Redis) -> None:
    down = create_redis(f"redis://127.0.0.1:{closed_port()}/0")
    limiter = SharedRateLimiter(down, RATE, retry_after=0.0)
    base_id = new_id("app")
    await limiter.wait(base_id)
    assert limiter.degraded and limiter.outages == 1
    # Redis comes back: the next call draws its slot from Redis again.
    limiter.redis = redis
    await limiter.wait(base_id)
    await limiter.wait("")
    assert not limiter.degraded and limiter.outages == 1
    key = SharedRateLimiter.key(base_id)
    # The key outlives its next slot by the margin, not for ever.
    assert 0 < await redis.pttl(key) <= limiter.interval_ms + limiter.ttl_ms
    assert SharedRateLimiter.key("") == "airtable:pace:meta"
    assert await redis.exists("airtable:pace:meta")
    await redis.delete(key)
    await down.aclose()
