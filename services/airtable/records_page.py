"""The local backend's ListRecords: a formula and sort compiled to SQL (formula_sql.py,
records_sql.py), and Python only for the formula parts SQL has no faithful form of.

Those parts are checked in Python on the records the SQL parts let through, at most
`scan_limit` of them: a filter that would need more is refused (INVALID_ARGUMENT) rather
than read a whole large table into the service.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.airtable.field_indexes import FieldIndexes
from services.airtable.formula_sql import split
from services.airtable.local_schema import records, row_to_record
from services.airtable.model import Record, RecordQuery, Table
from services.airtable.records_query import select
from services.airtable.records_sql import key_of, select_page, sort_columns
from services.airtable.sql_values import Sql
from services.runtime.errors import invalid

# Formula parts kept for Python on every record when PostgreSQL could not compute them
# (a number out of float8's range): Python's answer is the reference.
OUT_OF_RANGE = "a value out of the database's range"


def _data_error(exc: DBAPIError) -> bool:
    """PostgreSQL's class 22 (data exception): an overflow in a formula, say."""
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None) or ""
    return str(code).startswith("22")


class RecordPages:
    def __init__(self, engine: AsyncEngine, scan_limit: int, indexes: FieldIndexes) -> None:
        self._engine = engine
        self._scan_limit = scan_limit
        self._indexes = indexes

    async def page(self, where: Sql, table: Table, query: RecordQuery) -> tuple[list[Record], Any]:
        key = query.cursor
        if key is not None and not isinstance(key, list):
            raise invalid("page_token", "is from an older version: ask for the first page again")
        columns = sort_columns(table.field_types(), query.sort)
        parts, missing = split(query.formula.ast) if query.formula else ([], [])
        try:
            rows = await self._rows([where, *parts], columns, key, query, missing)
        except DBAPIError as exc:
            if not _data_error(exc):
                raise
            rows = await self._rows([where], columns, key, query, [OUT_OF_RANGE])
        if query.sort:
            self._indexes.note(table, query.sort[0])
        found = rows[: query.page_size]
        last = key_of(found[-1], len(columns)) if len(rows) > query.page_size else None
        return [select(row_to_record(r), query.fields) for r in found], last

    async def _rows(
        self,
        where: list[Sql],
        columns: Any,
        key: list[Any] | None,
        query: RecordQuery,
        missing: list[str],
    ) -> list[Any]:
        need = query.page_size + 1
        found: list[Any] = []
        async with self._engine.begin() as conn:
            # Plans made for the values at hand: a field's expression index is used only
            # when the planner sees the field name (a bound parameter) as it is.
            await conn.execute(sa.text("SET LOCAL plan_cache_mode = force_custom_plan"))
            if missing:
                await self._check_scan(conn, where, missing)
            for statement in select_page(where, columns, key):
                if not missing:
                    found += (await conn.execute(statement.limit(need - len(found)))).all()
                else:
                    formula = query.formula
                    assert formula is not None
                    for row in (await conn.execute(statement)).all():
                        if formula.matches(dict(row.fields)) and len(found) < need:
                            found.append(row)
                if len(found) >= need:
                    break
        return found

    async def _check_scan(
        self, conn: AsyncConnection, where: list[Sql], missing: list[str]
    ) -> None:
        limit = self._scan_limit
        candidates = sa.select(sa.literal(1)).select_from(records).where(*where).limit(limit + 1)
        count = (
            await conn.execute(sa.select(sa.func.count()).select_from(candidates.subquery()))
        ).scalar_one()
        if count > limit:
            raise invalid(
                "filter_by_formula",
                f"{missing[0]} is checked record by record, and this filter would check more "
                f"than {limit} records; narrow it with conditions on fields "
                "(for example AND({Status} = 'Done', ...))",
                reason="FORMULA_SCAN_LIMIT",
            )
