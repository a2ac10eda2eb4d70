"""Writing the analytics rollups: upserts that add to a day's figure (INSERT ... ON CONFLICT
DO UPDATE with the excluded row), never a row per call.

Rows of one statement are summed by key first (PostgreSQL refuses to update one row twice
in a statement) and sorted (concurrent writers then lock rows in one order: no deadlock).
A batch from the bus or the call counters is added once: its mark goes into `applied` in
the same transaction, and a batch whose mark is there already adds nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.platform.analytics_tables import applied, table_writes_daily
from services.platform.figures import Increment, TableWrite
from services.runtime import clock

# Marks are kept longer than the bus remembers delivered ids (7 days): past that a
# redelivery is refused by the bus itself.
KEEP_MARKS = timedelta(days=8)


def _summed(increments: Iterable[Increment]) -> list[dict[str, Any]]:
    totals: dict[tuple[str, str, Any, str], float] = defaultdict(float)
    for i in increments:
        totals[(i.tenant_id, i.metric, i.day, i.user_id)] += i.value
    return [
        {"tenant_id": t, "metric": m, "day": d, "user_id": u, "value": v}
        for (t, m, d, u), v in sorted(totals.items())
    ]


async def add_increments(conn: AsyncConnection, table: sa.Table, rows: list[Increment]) -> None:
    """Adds each increment to its day's figure in `table` (usage_daily or client_daily)."""
    values = _summed(rows)
    if not values:
        return
    now = clock.now()
    insert = postgresql.insert(table).values([{**v, "updated_at": now} for v in values])
    upsert = insert.on_conflict_do_update(
        index_elements=[table.c.tenant_id, table.c.metric, table.c.day, table.c.user_id],
        set_={
            "value": table.c.value + insert.excluded.value,
            "updated_at": insert.excluded.updated_at,
        },
    )
    await conn.execute(upsert)


async def add_table_writes(conn: AsyncConnection, writes: list[TableWrite]) -> None:
    totals: dict[tuple[str, Any, str, str], list[Any]] = {}
    for w in writes:
        key = (w.tenant_id, w.day, w.table_id, w.user_id)
        found = totals.setdefault(key, [w.base_id, w.table_name, 0])
        found[1] = w.table_name  # the latest name
        found[2] += w.writes
    if not totals:
        return
    now = clock.now()
    t = table_writes_daily
    insert = postgresql.insert(t).values(
        [
            {
                "tenant_id": tenant,
                "day": day,
                "table_id": table_id,
                "user_id": user,
                "base_id": base_id,
                "table_name": name,
                "writes": count,
                "updated_at": now,
            }
            for (tenant, day, table_id, user), (base_id, name, count) in sorted(totals.items())
        ]
    )
    upsert = insert.on_conflict_do_update(
        index_elements=[t.c.tenant_id, t.c.day, t.c.table_id, t.c.user_id],
        set_={
            "writes": t.c.writes + insert.excluded.writes,
            "table_name": insert.excluded.table_name,
            "updated_at": insert.excluded.updated_at,
        },
    )
    await conn.execute(upsert)


class Rollups:
    """The measured figures' writer."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def apply_once(
        self,
        mark: str,
        table: sa.Table,
        increments: list[Increment],
        writes: list[TableWrite] | None = None,
    ) -> bool:
        """Adds the batch named `mark` unless it was added before; whether it was now."""
        async with self.engine.begin() as conn:
            claim = (
                postgresql.insert(applied)
                .values(id=mark, applied_at=clock.now())
                .on_conflict_do_nothing()
                .returning(applied.c.id)
            )
            if (await conn.execute(claim)).first() is None:
                return False
            await add_increments(conn, table, increments)
            await add_table_writes(conn, writes or [])
        return True

    async def add(self, table: sa.Table, increments: list[Increment]) -> None:
        """Adds increments that carry no mark (a client's own report, made once)."""
        async with self.engine.begin() as conn:
            await add_increments(conn, table, increments)

    async def prune_marks(self) -> int:
        cutoff = clock.now() - KEEP_MARKS
        async with self.engine.begin() as conn:
            done = await conn.execute(applied.delete().where(applied.c.applied_at < cutoff))
        return int(done.rowcount)
