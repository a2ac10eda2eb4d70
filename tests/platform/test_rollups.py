"""The rollups against real PostgreSQL: one row per (tenant, user, day, metric) that upserts
add to, a batch added once whatever the redeliveries (even two at the same moment), and
the reads over them."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.platform.analytics_tables import client_daily, table_writes_daily, usage_daily
from services.platform.figures import Increment, TableWrite
from services.platform.rollups import Rollups
from services.platform.usage_queries import UsageQueries

DAY = date(2026, 3, 1)


async def rows(engine: AsyncEngine, table: sa.Table, tenant: str) -> list[tuple[object, ...]]:
    query = sa.select(table.c.user_id, table.c.day, table.c.metric, table.c.value).where(
        table.c.tenant_id == tenant
    )
    async with engine.connect() as conn:
        return sorted(tuple(r) for r in (await conn.execute(query)).all())


async def test_increments_add_up_in_one_row_per_key(
    rollups: Rollups, engine: AsyncEngine, tenant: str
) -> None:
    a, b = "user-a", "user-b"
    batch = [
        Increment(tenant, a, DAY, "api.calls", 2),
        Increment(tenant, a, DAY, "api.calls", 3),
        Increment(tenant, b, DAY, "api.calls", 1),
    ]
    assert await rollups.apply_once(f"t:{uuid.uuid4()}", usage_daily, batch)
    assert await rollups.apply_once(f"t:{uuid.uuid4()}", usage_daily, batch[:1])
    assert await rows(engine, usage_daily, tenant) == [
        (a, DAY, "api.calls", 7),
        (b, DAY, "api.calls", 1),
    ]
    assert await rows(engine, client_daily, tenant) == []


async def test_a_batch_is_added_once_even_when_delivered_twice_at_once(
    rollups: Rollups, engine: AsyncEngine, tenant: str
) -> None:
    mark = f"event:{uuid.uuid4()}"
    batch = [Increment(tenant, "u", DAY, "records.created", 4)]
    writes = [TableWrite(tenant, "u", DAY, "appB", "tblT", "Old name", 4)]
    done = await asyncio.gather(
        *(rollups.apply_once(mark, usage_daily, batch, writes) for _ in range(3))
    )
    assert sorted(done) == [False, False, True]
    assert await rows(engine, usage_daily, tenant) == [("u", DAY, "records.created", 4)]
    renamed = [TableWrite(tenant, "u", DAY, "appB", "tblT", "New name", 1)]
    await rollups.apply_once(f"event:{uuid.uuid4()}", usage_daily, [], renamed)
    query = sa.select(table_writes_daily.c.table_name, table_writes_daily.c.writes).where(
        table_writes_daily.c.tenant_id == tenant
    )
    async with engine.connect() as conn:
        assert (await conn.execute(query)).all() == [("New name", 5)]


async def test_the_reads_scope_days_users_and_tables(
    rollups: Rollups, queries: UsageQueries, tenant: str
) -> None:
    today = DAY
    old = today - timedelta(days=10)
    batch = [
        Increment(tenant, "a", today, "api.calls", 5),
        Increment(tenant, "a", today, "chat.turns", 1),
        Increment(tenant, "a", today, "gen_ai.usage.cost_usd", 0.25),
        Increment(tenant, "b", old, "api.calls", 7),
        Increment(tenant, "", today, "records.created", 3),  # a service's work
        Increment(tenant, "a", today, "records.created", 2),
        Increment(str(uuid.uuid4()), "a", today, "api.calls", 100),  # another tenant
    ]
    writes = [
        TableWrite(tenant, "a", today, "appB", "tblBig", "Big", 9),
        TableWrite(tenant, "b", old, "appB", "tblSmall", "Small", 2),
    ]
    await rollups.apply_once(f"t:{uuid.uuid4()}", usage_daily, batch, writes)

    series = await queries.series(usage_daily, tenant, "api.calls", old, today, None)
    assert series == {today: 5, old: 7}
    assert await queries.series(usage_daily, tenant, "api.calls", today, today, "b") == {}

    usage = await queries.usage(tenant, old, today, None, 10, None)
    assert [(r.user_id, r.day) for r in usage] == [("a", today), ("b", old)]
    assert usage[0].values["cost_usd"] == 0.25 and usage[1].values["api_calls"] == 7
    after = await queries.usage(tenant, old, today, None, 10, (today, "a"))
    assert [r.user_id for r in after] == ["b"]

    periods = await queries.periods(tenant, today, None)
    assert periods[1]["api_calls"] == 5 and periods[30]["api_calls"] == 12
    assert periods[1]["records_created"] == 5 and periods[1]["active_users"] == 1
    assert periods[30]["active_users"] == 2
    mine = await queries.periods(tenant, today, "b")
    assert mine[1]["api_calls"] == 0 and mine[7]["api_calls"] == 0 and mine[30]["api_calls"] == 7

    top = await queries.top_tables(tenant, old, today, None, 5)
    assert [(t.table_name, t.writes) for t in top] == [("Big", 9), ("Small", 2)]
    assert [t.table_id for t in await queries.top_tables(tenant, old, today, "b", 5)] == [
        "tblSmall"
    ]
