"""The `local` backend's records: reads, and all-or-none batch writes in one transaction."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.airtable import changes
from services.airtable.field_indexes import FieldIndexes
from services.airtable.local_schema import outbox, records, row_to_record, tables
from services.airtable.model import Record, RecordQuery, Table, Write, new_id
from services.airtable.records_page import RecordPages
from services.runtime import clock, events
from services.runtime.errors import NotFound


def record_not_found(record_id: str) -> NotFound:
    return NotFound(f"record {record_id} not found", reason="RECORD_NOT_FOUND")


def merged(old: dict[str, Any], new: dict[str, Any], replace: bool) -> dict[str, Any]:
    """PATCH keeps fields not given; PUT (replace) clears them. None clears a field."""
    result = {} if replace else dict(old)
    for name, value in new.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = value
    return result


# Records Python checks at most for a formula part SQL cannot compute (README: settings).
DEFAULT_SCAN_LIMIT = 10_000


class LocalRecords:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        scan_limit: int = DEFAULT_SCAN_LIMIT,
        indexes: FieldIndexes | None = None,
    ) -> None:
        self._engine = engine
        self.indexes = indexes or FieldIndexes(engine, per_table=4, min_records=1000, uses=2)
        self._pages = RecordPages(engine, scan_limit, self.indexes)

    def _scope(self, tenant_id: str, table: Table) -> sa.ColumnElement[bool]:
        return sa.and_(records.c.table_id == table.id, records.c.tenant_id == tenant_id)

    async def _lock_table(
        self, conn: AsyncConnection, tenant_id: str, table_id: str, *, shared: bool = False
    ) -> Any:
        query = sa.select(tables).where(tables.c.id == table_id, tables.c.tenant_id == tenant_id)
        locked = (
            query.with_for_update(key_share=True, read=True) if shared else query.with_for_update()
        )
        row = (await conn.execute(locked)).first()
        if row is None:
            raise NotFound(f"table {table_id} not found", reason="TABLE_NOT_FOUND")
        return row

    async def _add_choices(
        self, conn: AsyncConnection, tenant_id: str, table_id: str, writes: list[Write]
    ) -> None:
        """Select choices that typecast added, saved in the same transaction as the values."""
        wanted: dict[str, list[str]] = {}
        for write in writes:
            for name, choices in write.new_choices.items():
                known = wanted.setdefault(name, [])
                known.extend(c for c in choices if c not in known)
        if not wanted:
            return
        row = await self._lock_table(conn, tenant_id, table_id)
        fields = [dict(f) for f in row.fields]
        for field in fields:
            options = dict(field.get("options") or {})
            have = {c["name"] for c in options.get("choices", [])}
            extra = [c for c in wanted.get(field["name"], []) if c not in have]
            if extra:
                options["choices"] = [*options.get("choices", [])] + [
                    {"id": new_id("sel"), "name": c} for c in extra
                ]
                field["options"] = options
        await conn.execute(tables.update().where(tables.c.id == table_id).values(fields=fields))

    async def list_records(
        self, tenant_id: str, base_id: str, table: Table, query: RecordQuery
    ) -> tuple[list[Record], Any]:
        return await self._pages.page(self._scope(tenant_id, table), table, query)

    async def get_record(
        self, tenant_id: str, base_id: str, table: Table, record_id: str
    ) -> Record:
        query = sa.select(records).where(self._scope(tenant_id, table), records.c.id == record_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            raise record_not_found(record_id)
        return row_to_record(row)

    async def _by_request(self, tenant_id: str, table: Table, request_id: str) -> list[Record]:
        query = (
            sa.select(records)
            .where(self._scope(tenant_id, table), records.c.request_id == request_id)
            .order_by(records.c.batch_index)
        )
        async with self._engine.connect() as conn:
            return [row_to_record(r) for r in (await conn.execute(query)).all()]

    async def create_records(
        self,
        tenant_id: str,
        base_id: str,
        table: Table,
        writes: list[Write],
        typecast: bool,
        request_id: str,
    ) -> list[Record]:
        if request_id and (seen := await self._by_request(tenant_id, table, request_id)):
            return seen
        stamp = clock.now()
        created = [Record(new_id("rec"), merged({}, w.fields, True), stamp) for w in writes]
        async with self._engine.begin() as conn:
            if request_id or any(w.new_choices for w in writes):
                # Locking the table row serializes writers with a request id, so that a
                # retry sees the first one's records (and those adding select choices,
                # which update the row: two sharers upgrading would deadlock).
                await self._lock_table(conn, tenant_id, table.id)
                if request_id and (seen := await self._by_request(tenant_id, table, request_id)):
                    return seen
            else:
                # Other writers only share the row (KEY SHARE, as their foreign keys take
                # anyway): a bulk import's calls write side by side.
                await self._lock_table(conn, tenant_id, table.id, shared=True)
            await self._add_choices(conn, tenant_id, table.id, writes)
            await conn.execute(
                records.insert(),
                [
                    {
                        "id": r.id,
                        "tenant_id": tenant_id,
                        "table_id": table.id,
                        "fields": r.fields,
                        "request_id": request_id or None,
                        "batch_index": i,
                        "created_at": stamp,
                    }
                    for i, r in enumerate(created)
                ],
            )
            event = changes.records_created(tenant_id, base_id, table, created)
            await events.emit(conn, outbox, event)
        return created

    async def _locked(
        self, conn: AsyncConnection, tenant_id: str, table: Table, ids: list[str]
    ) -> dict[str, Any]:
        query = sa.select(records).where(self._scope(tenant_id, table), records.c.id.in_(ids))
        rows = {r.id: r for r in (await conn.execute(query.with_for_update())).all()}
        for record_id in ids:
            if record_id not in rows:
                raise record_not_found(record_id)
        return rows

    async def update_records(
        self,
        tenant_id: str,
        base_id: str,
        table: Table,
        writes: list[Write],
        typecast: bool,
        replace: bool,
    ) -> list[Record]:
        async with self._engine.begin() as conn:
            rows = await self._locked(conn, tenant_id, table, [w.record_id for w in writes])
            await self._add_choices(conn, tenant_id, table.id, writes)
            updated = []
            for write in writes:
                row = rows[write.record_id]
                fields = merged(row.fields, write.fields, replace)
                await conn.execute(
                    records.update().where(records.c.id == row.id).values(fields=fields)
                )
                updated.append(Record(row.id, fields, row.created_at))
            before = {record_id: row.fields for record_id, row in rows.items()}
            event = changes.records_updated(tenant_id, base_id, table, updated, writes, before)
            await events.emit(conn, outbox, event)
        return updated

    async def delete_records(
        self, tenant_id: str, base_id: str, table: Table, record_ids: list[str]
    ) -> list[str]:
        async with self._engine.begin() as conn:
            rows = await self._locked(conn, tenant_id, table, record_ids)
            await conn.execute(
                records.delete().where(self._scope(tenant_id, table), records.c.id.in_(record_ids))
            )
            last = {record_id: rows[record_id].fields for record_id in record_ids}
            await events.emit(
                conn, outbox, changes.records_deleted(tenant_id, base_id, table, last)
            )
        return record_ids
