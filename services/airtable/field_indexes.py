"""Expression indexes made on demand for the fields large tables are sorted by.

A table sorted by a field `uses` times (seen by this process) and holding at least
`min_records` records gets a partial index on that field's sort expression (in the
direction asked, blanks last, then the write order), built CONCURRENTLY so writers go
on. At most `per_table` such indexes per table: the fields sorted by first (hence most)
get them. airtable.field_indexes records them, shared by every process.

DDL takes no bound parameters: the statement is made by PostgreSQL's own format(), which
quotes the field name (%L) and the index name (%I); no text is pasted into SQL here.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.airtable.fieldtypes import NUMBER_TYPES
from services.airtable.local_schema import field_indexes, records
from services.airtable.model import SortKey, Table
from services.runtime import logs
from services.runtime.clock import now

log = logs.get("field_indexes")
# A build still "building" after this long was stopped with its process.
ABANDONED = timedelta(hours=1)
# The sort expressions of records_sql.sort_expression, for fields an index can serve.
NUMBER_EXPR = "(fields ->> %L)::double precision"
TEXT_EXPR = 'airtable.casefold(fields ->> %L) COLLATE "C"'
DDL = (
    "SELECT format('CREATE INDEX CONCURRENTLY IF NOT EXISTS %I ON airtable.records "
    "((' || CAST(:expr AS text) || ') ' || CAST(:direction AS text) || ' NULLS LAST, "
    'created_at, batch_index, id COLLATE "C") WHERE table_id = %L\', CAST(:name AS text), '
    "CAST(:field AS text), CAST(:table_id AS text))"
)
DROP = "SELECT format('DROP INDEX CONCURRENTLY IF EXISTS airtable.%I', CAST(:name AS text))"


def index_name(table_id: str, field: str, descending: bool) -> str:
    digest = hashlib.sha256(f"{table_id}\0{field}\0{descending}".encode()).hexdigest()
    return f"records_sort_{digest[:24]}"


def expression(field_type: str) -> str | None:
    if field_type in NUMBER_TYPES or field_type == "rating":
        return NUMBER_EXPR
    if field_type in ("checkbox", "multipleSelects"):
        return None
    return TEXT_EXPR


class FieldIndexes:
    def __init__(self, engine: AsyncEngine, per_table: int, min_records: int, uses: int) -> None:
        self._engine = engine
        self._per_table = per_table
        self._min_records = min_records
        self._uses = uses
        self._counts: Counter[str] = Counter()
        self._tasks: set[asyncio.Task[Any]] = set()

    def note(self, table: Table, key: SortKey) -> None:
        """A sort by this key was asked for: maybe start building its index."""
        field = table.field_named(key.field)
        if self._per_table == 0 or field is None or expression(field.type) is None:
            return
        name = index_name(table.id, field.name, key.descending)
        self._counts[name] += 1
        if self._counts[name] != self._uses:
            return
        self._start(self.ensure(table.id, field.name, field.type, key.descending))

    async def wait(self) -> None:
        """Until the builds started are over (tests, and a clean stop)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def ensure(self, table_id: str, field: str, field_type: str, descending: bool) -> bool:
        """Builds the index unless the table is small, has its share, or has it already;
        whether this call built it."""
        name = index_name(table_id, field, descending)
        try:
            await self._drop_abandoned(table_id)
            if not await self._claim(name, table_id, field, descending):
                return False
            await self._build(name, table_id, field, field_type, descending)
        except Exception:  # noqa: BLE001 - a failed build leaves the table as it was
            log.warning("field index build failed", table_id=table_id, index=name)
            await self._forget(name)
            return False
        return True

    async def _drop_abandoned(self, table_id: str) -> None:
        """Builds a stopped process left "building" (an invalid index): dropped, so the
        field may be claimed again and writes stop feeding the dead index."""
        stale = sa.select(field_indexes.c.name).where(
            field_indexes.c.table_id == table_id,
            field_indexes.c.state == "building",
            field_indexes.c.created_at < now() - ABANDONED,
        )
        async with self._engine.connect() as conn:
            names = list((await conn.execute(stale)).scalars())
        for name in names:
            await self._forget(name)

    async def _claim(self, name: str, table_id: str, field: str, descending: bool) -> bool:
        some = sa.select(sa.literal(1)).where(records.c.table_id == table_id)
        counted = sa.select(sa.func.count()).select_from(some.limit(self._min_records).subquery())
        async with self._engine.begin() as conn:
            if (await conn.execute(counted)).scalar_one() < self._min_records:
                return False
            # One claimer per table at a time, so the bound holds across processes.
            await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(table_id))))
            held = (await conn.execute(
                sa.select(field_indexes.c.name).where(field_indexes.c.table_id == table_id)
            )).scalars().all()  # fmt: skip
            if name in held or len(held) >= self._per_table:
                return False
            await conn.execute(field_indexes.insert().values(
                name=name, table_id=table_id, field=field, descending=descending,
                state="building", created_at=now(),
            ))  # fmt: skip
        return True

    async def _build(
        self, name: str, table_id: str, field: str, field_type: str, descending: bool
    ) -> None:
        expr = expression(field_type)
        params = {"expr": expr, "direction": "DESC" if descending else "ASC", "name": name,
                  "field": field, "table_id": table_id}  # fmt: skip
        async with self._engine.connect() as conn:
            ddl = (await conn.execute(sa.text(DDL), params)).scalar_one()
            await conn.commit()
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await auto.exec_driver_sql(ddl)
            # Statistics of the new expression (and of the table's rows so far, which a
            # fresh import may have left to autovacuum): without them the planner guessed
            # a sort of the whole table cheaper than the index (60 ms at 10,000 records).
            # ANALYZE blocks neither readers nor writers.
            await auto.exec_driver_sql("ANALYZE airtable.records")
        async with self._engine.begin() as conn:
            done = field_indexes.update().where(field_indexes.c.name == name)
            await conn.execute(done.values(state="ready"))
        log.info("field index built", table_id=table_id, index=name)

    async def _forget(self, name: str) -> None:
        async with self._engine.connect() as conn:
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            drop = (await auto.execute(sa.text(DROP), {"name": name})).scalar_one()
            await auto.exec_driver_sql(drop)
            await auto.execute(field_indexes.delete().where(field_indexes.c.name == name))

    def drop_later(self, table_ids: list[str]) -> None:
        if table_ids:
            self._start(self.drop_for(table_ids))

    def _start(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drop_for(self, table_ids: list[str]) -> None:
        """The indexes of deleted tables, dropped without blocking writers."""
        async with self._engine.connect() as conn:
            names = (await conn.execute(
                sa.select(field_indexes.c.name).where(field_indexes.c.table_id.in_(table_ids))
            )).scalars().all()  # fmt: skip
        for name in names:
            try:
                await self._forget(name)
            except Exception as exc:  # noqa: BLE001 - the next delete or a restart retries
                log.warning("dropping a field index failed", index=name, error=str(exc))
