"""A Redis read cache in front of either backend, with the same interface.

Cached: a base's schema, single records, and pages of ListRecords. Keys carry the tenant,
so one tenant's entry never answers another. Writes invalidate: a table's record pages
are keyed by a generation number that every write bumps; a written record's own entry
and, when typecast may have added choices or a table or field was created, the schema
entry are deleted. TTLs are short, as the `airtable` backend's data also changes outside.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import asdict
from datetime import datetime
from typing import Any

from redis.asyncio import Redis

from services.airtable.backend import Backend
from services.airtable.model import Base, Field, Record, RecordQuery, Table, TableSpec, View, Write

SCHEMA_TTL = 300
RECORD_TTL = 60


def _tables_from_json(raw: str) -> list[Table]:
    return [
        Table(
            t["id"],
            t["name"],
            t["description"],
            [Field(**f) for f in t["fields"]],
            [View(**v) for v in t["views"]],
        )
        for t in json.loads(raw)
    ]


def _record_to_json(r: Record) -> dict[str, Any]:
    return {
        "id": r.id,
        "fields": r.fields,
        "at": r.created_at.isoformat() if r.created_at else None,
    }


def _record_from_json(d: dict[str, Any]) -> Record:
    return Record(d["id"], d["fields"], datetime.fromisoformat(d["at"]) if d["at"] else None)


def query_key(query: RecordQuery) -> str:
    raw = json.dumps(
        [
            query.formula.text if query.formula else "",
            [(k.field, k.descending) for k in query.sort],
            query.fields,
            query.view.id if query.view else "",
            query.page_size,
            query.cursor,
        ],
        default=str,
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


class CachedBackend:
    def __init__(self, backend: Backend, redis: Redis) -> None:
        self.inner = backend
        self.name = backend.name
        self._redis = redis

    # --- keys ----------------------------------------------------------------------------
    @staticmethod
    def _schema_key(tenant_id: str, base_id: str) -> str:
        return f"airtable:schema:{tenant_id}:{base_id}"

    @staticmethod
    def _record_key(tenant_id: str, table_id: str, record_id: str) -> str:
        return f"airtable:record:{tenant_id}:{table_id}:{record_id}"

    @staticmethod
    def _generation_key(tenant_id: str, table_id: str) -> str:
        return f"airtable:generation:{tenant_id}:{table_id}"

    async def _written(
        self, tenant_id: str, base_id: str, table_id: str, record_ids: list[str], schema: bool
    ) -> None:
        await self._redis.incr(self._generation_key(tenant_id, table_id))
        keys = [self._record_key(tenant_id, table_id, r) for r in record_ids]
        if schema:
            keys.append(self._schema_key(tenant_id, base_id))
        if keys:
            await self._redis.delete(*keys)

    # --- bases and schema ----------------------------------------------------------------
    async def list_bases(
        self,
        tenant_id: str,
        page_size: int,
        after: list[Any] | None,
        only: Collection[str] | None = None,
    ) -> tuple[list[Base], list[Any] | None]:
        return await self.inner.list_bases(tenant_id, page_size, after, only)

    async def create_base(
        self, tenant_id: str, name: str, tables: list[TableSpec], request_id: str
    ) -> tuple[Base, list[Table]]:
        return await self.inner.create_base(tenant_id, name, tables, request_id)

    async def delete_base(self, tenant_id: str, base_id: str) -> None:
        try:
            await self.inner.delete_base(tenant_id, base_id)
        finally:
            await self._redis.delete(self._schema_key(tenant_id, base_id))

    async def get_schema(self, tenant_id: str, base_id: str) -> list[Table]:
        key = self._schema_key(tenant_id, base_id)
        if (raw := await self._redis.get(key)) is not None:
            return _tables_from_json(str(raw))
        tables = await self.inner.get_schema(tenant_id, base_id)
        await self._redis.set(key, json.dumps([asdict(t) for t in tables]), ex=SCHEMA_TTL)
        return tables

    async def create_table(self, tenant_id: str, base_id: str, spec: TableSpec) -> Table:
        try:
            return await self.inner.create_table(tenant_id, base_id, spec)
        finally:
            await self._redis.delete(self._schema_key(tenant_id, base_id))

    async def create_field(
        self, tenant_id: str, base_id: str, table_id: str, field: Field
    ) -> Field:
        try:
            return await self.inner.create_field(tenant_id, base_id, table_id, field)
        finally:
            await self._redis.delete(self._schema_key(tenant_id, base_id))

    # --- records -------------------------------------------------------------------------
    async def list_records(
        self, tenant_id: str, base_id: str, table: Table, query: RecordQuery
    ) -> tuple[list[Record], Any]:
        generation = str(await self._redis.get(self._generation_key(tenant_id, table.id)) or 0)
        key = f"airtable:page:{tenant_id}:{table.id}:{generation}:{query_key(query)}"
        if (raw := await self._redis.get(key)) is not None:
            data = json.loads(raw)
            return [_record_from_json(r) for r in data["records"]], data["cursor"]
        found, cursor = await self.inner.list_records(tenant_id, base_id, table, query)
        page = {"records": [_record_to_json(r) for r in found], "cursor": cursor}
        await self._redis.set(key, json.dumps(page), ex=RECORD_TTL)
        return found, cursor

    async def get_record(
        self, tenant_id: str, base_id: str, table: Table, record_id: str
    ) -> Record:
        key = self._record_key(tenant_id, table.id, record_id)
        if (raw := await self._redis.get(key)) is not None:
            return _record_from_json(json.loads(raw))
        record = await self.inner.get_record(tenant_id, base_id, table, record_id)
        await self._redis.set(key, json.dumps(_record_to_json(record)), ex=RECORD_TTL)
        return record

    async def create_records(
        self,
        tenant_id: str,
        base_id: str,
        table: Table,
        writes: list[Write],
        typecast: bool,
        request_id: str,
    ) -> list[Record]:
        try:
            return await self.inner.create_records(
                tenant_id, base_id, table, writes, typecast, request_id
            )
        finally:
            await self._written(tenant_id, base_id, table.id, [], typecast)

    async def update_records(
        self,
        tenant_id: str,
        base_id: str,
        table: Table,
        writes: list[Write],
        typecast: bool,
        replace: bool,
    ) -> list[Record]:
        ids = [w.record_id for w in writes]
        try:
            return await self.inner.update_records(
                tenant_id, base_id, table, writes, typecast, replace
            )
        finally:
            await self._written(tenant_id, base_id, table.id, ids, typecast)

    async def delete_records(
        self, tenant_id: str, base_id: str, table: Table, record_ids: list[str]
    ) -> list[str]:
        try:
            return await self.inner.delete_records(tenant_id, base_id, table, record_ids)
        finally:
            await self._written(tenant_id, base_id, table.id, record_ids, False)
