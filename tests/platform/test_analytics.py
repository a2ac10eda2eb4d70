"""The analytics domain on real PostgreSQL: a client's own figures recorded for its tenant
and user, bad input refused with INVALID_ARGUMENT naming each bad field and nothing
stored, and who may read what (an admin the tenant, a member only themselves)."""

from __future__ import annotations

import math
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import grpc
import pytest
import sqlalchemy as sa
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy.ext.asyncio import AsyncEngine

from services.platform.analytics import Analytics, Query
from services.platform.analytics_tables import client_daily, usage_daily
from services.platform.figures import Increment
from services.platform.rollups import Rollups
from services.platform.scope import Scope
from services.platform.usage_queries import UsageQueries
from services.runtime.clients import MeshClients
from services.runtime.errors import DomainError
from services.runtime.identity import Caller


@pytest.fixture
async def analytics(rollups: Rollups, queries: UsageQueries) -> AsyncIterator[Analytics]:
    clients = MeshClients()
    yield Analytics(rollups, queries, Scope(clients))
    await clients.close()


def person(tenant: str, role: str = "member") -> Caller:
    return Caller(str(uuid.uuid4()), tenant, role, "a@example.com", "jti", 2**31, "token")


def stamp(moment: datetime) -> Timestamp:
    made = Timestamp()
    made.FromDatetime(moment)
    return made


async def stored(engine: AsyncEngine, tenant: str) -> int:
    query = sa.select(sa.func.count()).where(client_daily.c.tenant_id == tenant)
    async with engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one())


async def refused(call: object) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await call  # type: ignore[misc]
    return caught.value


async def test_a_client_records_its_own_figures(analytics: Analytics, tenant: str) -> None:
    me = person(tenant)
    assert await analytics.record_events(me, ["console.page_viewed"] * 3) == 3
    assert await analytics.record_metrics(me, [("console.render_ms", 12.5)] * 2) == 2
    views = await analytics.query(me, Query("client.event.console.page_viewed"))
    assert views.user_id == me.user_id and views.points[-1][1] == 3
    assert len(views.points) == 30 and sum(v for _, v in views.points) == 3
    ms = await analytics.query(me, Query("client.metric.console.render_ms"))
    assert ms.points[-1][1] == 25.0
    # The measured figures are not a client's to touch.
    assert (await analytics.query(me, Query("api.calls"))).points[-1][1] == 0


@pytest.mark.parametrize(
    ("events", "metrics", "field"),
    [
        ([], None, "events"),
        (["ok"] * 101, None, "events"),
        (["Bad Name"], None, "events[0].name"),
        (["x" * 65], None, "events[0].name"),
        (None, [("m", -1.0)], "metrics[0].value"),
        (None, [("m", math.nan)], "metrics[0].value"),
        (None, [("m", math.inf)], "metrics[0].value"),
        (None, [("m", 1e13)], "metrics[0].value"),
        (None, [("ok", 1.0), ("", 1.0)], "metrics[1].name"),
        (None, [("m", 1.0)] * 101, "metrics"),
    ],
)
async def test_a_bad_batch_stores_nothing(
    analytics: Analytics,
    engine: AsyncEngine,
    tenant: str,
    events: list[str] | None,
    metrics: list[tuple[str, float]] | None,
    field: str,
) -> None:
    me = person(tenant)
    if events is not None:
        error = await refused(analytics.record_events(me, events))
    else:
        error = await refused(analytics.record_metrics(me, metrics or []))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert field in [f for f, _ in error.violations], error.violations
    assert await stored(engine, tenant) == 0


NOW = datetime.now(UTC)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (Query("no.such.metric"), "metric"),
        (Query(""), "metric"),
        (Query("client.event.Bad"), "metric"),
        (Query("api.calls", stamp(NOW), stamp(NOW - timedelta(days=2))), "end_time"),
        (Query("api.calls", stamp(NOW - timedelta(days=400)), stamp(NOW)), "start_time"),
        (Query("api.calls", granularity=2), "granularity"),
        (Query("api.calls", user_id="not-a-uuid"), "user_id"),
    ],
)
async def test_a_bad_query_is_invalid(
    analytics: Analytics, tenant: str, query: Query, field: str
) -> None:
    error = await refused(analytics.query(person(tenant, "admin"), query))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in error.violations] == [field]


async def test_a_member_sees_only_themselves_and_an_admin_the_tenant(
    analytics: Analytics, rollups: Rollups, tenant: str
) -> None:
    member, admin = person(tenant), person(tenant, "admin")
    today = NOW.date()
    await rollups.add(
        usage_daily,
        [
            Increment(tenant, member.user_id, today, "api.calls", 2),
            Increment(tenant, admin.user_id, today, "api.calls", 5),
        ],
    )
    mine = await analytics.query(member, Query("api.calls"))
    assert (mine.user_id, mine.points[-1][1]) == (member.user_id, 2)
    tenant_wide = await analytics.query(admin, Query("api.calls"))
    assert (tenant_wide.user_id, tenant_wide.points[-1][1]) == ("", 7)
    # Another user, of this tenant or of none: refused alike, telling nothing.
    for other in (admin.user_id, str(uuid.uuid4())):
        error = await refused(analytics.query(member, Query("api.calls", user_id=other)))
        assert error.code == grpc.StatusCode.PERMISSION_DENIED
        error = await refused(analytics.usage(member, None, None, other, 0, ""))
        assert error.code == grpc.StatusCode.PERMISSION_DENIED
    rows, token = await analytics.usage(member, None, None, "", 0, "")
    assert [(r.user_id, r.values["api_calls"]) for r in rows] == [(member.user_id, 2)] and not token
    assert (await analytics.dashboard(member)).scope == "user"
    board = await analytics.dashboard(admin)
    assert board.scope == "tenant" and board.periods[1]["api_calls"] == 7
    assert board.periods[30]["active_users"] == 2


async def test_usage_comes_in_pages(analytics: Analytics, rollups: Rollups, tenant: str) -> None:
    admin = person(tenant, "admin")
    today = NOW.date()
    await rollups.add(
        usage_daily,
        [Increment(tenant, f"user-{i}", today, "api.calls", i + 1) for i in range(5)],
    )
    seen, token, pages = [], "", 0
    while True:
        rows, token = await analytics.usage(admin, None, None, "", 2, token)
        seen += [r.user_id for r in rows]
        pages += 1
        if not token:
            break
    assert seen == [f"user-{i}" for i in range(5)] and pages == 3
    error = await refused(analytics.usage(admin, None, None, "", 101, ""))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
