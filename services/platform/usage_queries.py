"""Reading the analytics rollups: a metric per day, usage per user per day, and the
dashboard's period totals and top tables. Every query names its tenant; `user_id` None
means the whole tenant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncEngine

from services.platform import figures as f
from services.platform.analytics_tables import table_writes_daily, usage_daily

USAGE_METRICS = {
    "api_calls": f.API_CALLS,
    "chat_turns": f.CHAT_TURNS,
    "input_tokens": f.INPUT_TOKENS,
    "output_tokens": f.OUTPUT_TOKENS,
    "cost_usd": f.COST_USD,
}
DASHBOARD_METRICS = {**USAGE_METRICS, "records_created": f.RECORDS_CREATED}
# Who counts as active: a user with a call or a chat turn.
ACTIVITY = (f.API_CALLS, f.CHAT_TURNS)
PERIODS = (1, 7, 30)


@dataclass(frozen=True)
class UsageRow:
    user_id: str
    day: date
    values: dict[str, float]


@dataclass(frozen=True)
class TopTable:
    base_id: str
    table_id: str
    table_name: str
    writes: int


def _pivot(table: sa.Table, names: dict[str, str], when: Any = None) -> list[Any]:
    when = sa.true() if when is None else when
    return [
        sa.func.coalesce(sa.func.sum(table.c.value).filter(table.c.metric == m, when), 0).label(k)
        for k, m in names.items()
    ]


class UsageQueries:
    def __init__(self, engine: AsyncEngine) -> None:
        self._auto = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def series(
        self,
        table: sa.Table,
        tenant_id: str,
        metric: str,
        first: date,
        last: date,
        user_id: str | None,
    ) -> dict[date, float]:
        """The metric's total per day (days with a row only)."""
        conds = [
            table.c.tenant_id == tenant_id,
            table.c.metric == metric,
            table.c.day.between(first, last),
        ]
        if user_id is not None:
            conds.append(table.c.user_id == user_id)
        query = (
            sa.select(table.c.day, sa.func.sum(table.c.value)).where(*conds).group_by(table.c.day)
        )
        async with self._auto.connect() as conn:
            rows = (await conn.execute(query)).all()
        return {row[0]: float(row[1]) for row in rows}

    async def usage(
        self,
        tenant_id: str,
        first: date,
        last: date,
        user_id: str | None,
        size: int,
        after: tuple[date, str] | None,
    ) -> list[UsageRow]:
        """Up to `size` rows, newest day first then by user, after the key `after`."""
        u = usage_daily
        conds = [
            u.c.tenant_id == tenant_id,
            u.c.metric.in_(list(USAGE_METRICS.values())),
            u.c.day.between(first, last),
            u.c.user_id != "",
        ]
        if user_id is not None:
            conds.append(u.c.user_id == user_id)
        if after is not None:
            day, user = after
            conds.append(sa.or_(u.c.day < day, sa.and_(u.c.day == day, u.c.user_id > user)))
        query = (
            sa.select(u.c.day, u.c.user_id, *_pivot(u, USAGE_METRICS))
            .where(*conds)
            .group_by(u.c.day, u.c.user_id)
            .order_by(u.c.day.desc(), u.c.user_id)
            .limit(size)
        )
        async with self._auto.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            UsageRow(r.user_id, r.day, {k: float(getattr(r, k)) for k in USAGE_METRICS})
            for r in rows
        ]

    async def periods(
        self, tenant_id: str, today: date, user_id: str | None
    ) -> dict[int, dict[str, float]]:
        """Per period (1, 7, 30 days ending today): each dashboard figure and active_users."""
        u = usage_daily
        columns: list[Any] = []
        for days in PERIODS:
            since = u.c.day >= today - timedelta(days=days - 1)
            columns += [c.label(f"{c.name}_{days}") for c in _pivot(u, DASHBOARD_METRICS, since)]
            active = sa.func.count(sa.distinct(u.c.user_id)).filter(
                since, u.c.metric.in_(ACTIVITY), u.c.user_id != ""
            )
            columns.append(active.label(f"active_users_{days}"))
        conds = [
            u.c.tenant_id == tenant_id,
            u.c.day.between(today - timedelta(days=max(PERIODS) - 1), today),
            u.c.metric.in_(list(DASHBOARD_METRICS.values())),
        ]
        if user_id is not None:
            conds.append(u.c.user_id == user_id)
        async with self._auto.connect() as conn:
            row = (await conn.execute(sa.select(*columns).where(*conds))).one()
        names = [*DASHBOARD_METRICS, "active_users"]
        return {d: {n: float(getattr(row, f"{n}_{d}")) for n in names} for d in PERIODS}

    async def top_tables(
        self, tenant_id: str, first: date, last: date, user_id: str | None, limit: int
    ) -> list[TopTable]:
        t = table_writes_daily
        conds = [t.c.tenant_id == tenant_id, t.c.day.between(first, last)]
        if user_id is not None:
            conds.append(t.c.user_id == user_id)
        writes = sa.func.sum(t.c.writes)
        latest_name = sa.func.array_agg(aggregate_order_by(t.c.table_name, t.c.day.desc()))[1]
        query = (
            sa.select(t.c.base_id, t.c.table_id, latest_name.label("name"), writes.label("writes"))
            .where(*conds)
            .group_by(t.c.base_id, t.c.table_id)
            .order_by(writes.desc(), t.c.table_id)
            .limit(limit)
        )
        async with self._auto.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [TopTable(r.base_id, r.table_id, r.name, int(r.writes)) for r in rows]
