"""The `local` backend: bases, tables and records in PostgreSQL, scoped by tenant."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from services.airtable import changes
from services.airtable.checks import base_deleted
from services.airtable.local_records import LocalRecords
from services.airtable.local_schema import (
    bases,
    field_to_json,
    outbox,
    record_requests,
    records,
    row_to_base,
    row_to_table,
    tables,
)
from services.airtable.model import Base, Field, Table, TableSpec, new_id
from services.runtime import events, keyset
from services.runtime.clock import now
from services.runtime.errors import AlreadyExists, NotFound


def base_not_found(base_id: str) -> NotFound:
    return NotFound(f"base {base_id} not found", reason="BASE_NOT_FOUND")


def _table_values(tenant_id: str, base_id: str, spec: TableSpec, position: int) -> dict[str, Any]:
    fields = [Field(new_id("fld"), f.name, f.type, f.description, f.options) for f in spec.fields]
    return {
        "id": new_id("tbl"),
        "tenant_id": tenant_id,
        "base_id": base_id,
        "name": spec.name,
        "description": spec.description,
        "position": position,
        "fields": [field_to_json(f) for f in fields],
        "views": [{"id": new_id("viw"), "name": "Grid view", "type": "grid"}],
        "created_at": now(),
    }


class LocalBackend(LocalRecords):
    name = "local"

    async def list_bases(
        self,
        tenant_id: str,
        page_size: int,
        after: list[Any] | None,
        only: Collection[str] | None = None,
    ) -> tuple[list[Base], list[Any] | None]:
        query = sa.select(bases).where(bases.c.tenant_id == tenant_id, bases.c.deleted_at.is_(None))
        if only is not None:
            query = query.where(bases.c.id.in_(list(only)))
        async with self._engine.connect() as conn:
            rows, last = await keyset.page(
                conn, query, bases.c.created_at, bases.c.id, page_size, after
            )
        return [row_to_base(r) for r in rows], last

    async def _base_by_request(
        self, tenant_id: str, request_id: str
    ) -> tuple[Base, list[Table]] | None:
        query = sa.select(bases).where(
            bases.c.tenant_id == tenant_id, bases.c.request_id == request_id
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        if row.deleted_at is not None:
            raise base_deleted(row.id, request_id)
        return row_to_base(row), await self.get_schema(tenant_id, row.id)

    async def create_base(
        self, tenant_id: str, name: str, specs: list[TableSpec], request_id: str
    ) -> tuple[Base, list[Table]]:
        if request_id and (seen := await self._base_by_request(tenant_id, request_id)):
            return seen
        base = Base(new_id("app"), name, self.name, now())
        values = [_table_values(tenant_id, base.id, spec, i) for i, spec in enumerate(specs)]
        try:
            async with self._engine.begin() as conn:
                await conn.execute(
                    bases.insert().values(
                        id=base.id,
                        tenant_id=tenant_id,
                        name=name,
                        request_id=request_id or None,
                        created_at=base.created_at,
                    )
                )
                if values:
                    await conn.execute(tables.insert(), values)
                await events.emit(
                    conn, outbox, changes.base_changed("base.created", tenant_id, base)
                )
        except IntegrityError:
            # A concurrent retry with the same request id won: answer as it did.
            if request_id and (seen := await self._base_by_request(tenant_id, request_id)):
                return seen
            raise
        return base, [_as_table(v) for v in values]

    async def delete_base(self, tenant_id: str, base_id: str) -> None:
        async with self._engine.begin() as conn:
            base = await self._check_base(conn, tenant_id, base_id)
            in_base = sa.select(tables.c.id).where(tables.c.base_id == base_id)
            table_ids = list((await conn.execute(in_base)).scalars())
            await conn.execute(records.delete().where(records.c.table_id.in_(in_base)))
            await conn.execute(
                record_requests.delete().where(record_requests.c.table_id.in_(in_base))
            )
            await conn.execute(tables.delete().where(tables.c.base_id == base_id))
            await conn.execute(bases.update().where(bases.c.id == base_id).values(deleted_at=now()))
            await events.emit(conn, outbox, changes.base_changed("base.deleted", tenant_id, base))
        # Their sort indexes go too, without blocking writers (DROP INDEX CONCURRENTLY).
        self.indexes.drop_later(table_ids)

    async def get_schema(self, tenant_id: str, base_id: str) -> list[Table]:
        async with self._engine.connect() as conn:
            await self._check_base(conn, tenant_id, base_id)
            query = (
                sa.select(tables)
                .where(tables.c.base_id == base_id, tables.c.tenant_id == tenant_id)
                .order_by(tables.c.position)
            )
            return [row_to_table(r) for r in (await conn.execute(query)).all()]

    async def _check_base(self, conn: AsyncConnection, tenant_id: str, base_id: str) -> Base:
        """The tenant's base, locked for the transaction; NotFound when it has none such."""
        query = sa.select(bases).where(
            bases.c.id == base_id, bases.c.tenant_id == tenant_id, bases.c.deleted_at.is_(None)
        )
        row = (await conn.execute(query.with_for_update())).first()
        if row is None:
            raise base_not_found(base_id)
        return row_to_base(row)

    async def create_table(self, tenant_id: str, base_id: str, spec: TableSpec) -> Table:
        try:
            async with self._engine.begin() as conn:
                await self._check_base(conn, tenant_id, base_id)
                count = sa.select(sa.func.count()).where(tables.c.base_id == base_id)
                position = (await conn.execute(count)).scalar_one()
                values = _table_values(tenant_id, base_id, spec, int(position))
                await conn.execute(tables.insert().values(**values))
                created = _as_table(values)
                await events.emit(conn, outbox, changes.table_created(tenant_id, base_id, created))
        except IntegrityError as exc:
            raise AlreadyExists(
                f"a table named {spec.name!r} already exists", reason="TABLE_EXISTS"
            ) from exc
        return created

    async def create_field(
        self, tenant_id: str, base_id: str, table_id: str, field: Field
    ) -> Field:
        created = Field(new_id("fld"), field.name, field.type, field.description, field.options)
        async with self._engine.begin() as conn:
            row = await self._lock_table(conn, tenant_id, table_id)
            if any(f["name"].lower() == field.name.lower() for f in row.fields):
                raise AlreadyExists(
                    f"a field named {field.name!r} already exists", reason="FIELD_EXISTS"
                )
            fields = [*row.fields, field_to_json(created)]
            await conn.execute(tables.update().where(tables.c.id == table_id).values(fields=fields))
            event = changes.field_created(tenant_id, base_id, table_id, created)
            await events.emit(conn, outbox, event)
        return created


def _as_table(values: dict[str, Any]) -> Table:
    return row_to_table(type("Row", (), values))
