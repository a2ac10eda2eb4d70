"""Which tenant owns which real Airtable base, and replays of CreateRecords by request id.

Airtable's token sees every base of its workspace; the mesh's tenants must not. A base is
usable by the tenant whose CreateBase made it (or an operator linked to it), nobody else.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from services.airtable.checks import base_deleted
from services.airtable.local_schema import linked_bases, record_requests
from services.airtable.model import Base
from services.runtime import clock


def _base(row: Any) -> Base:
    return Base(row.base_id, row.name, "airtable", row.created_at)


def _live(tenant_id: str) -> sa.ColumnElement[bool]:
    return sa.and_(linked_bases.c.tenant_id == tenant_id, linked_bases.c.deleted_at.is_(None))


class Links:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def owned(self, tenant_id: str, base_id: str) -> Base | None:
        query = sa.select(linked_bases).where(linked_bases.c.base_id == base_id, _live(tenant_id))
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return _base(row) if row else None

    async def by_request(self, tenant_id: str, request_id: str) -> Base | None:
        query = sa.select(linked_bases).where(
            linked_bases.c.tenant_id == tenant_id, linked_bases.c.request_id == request_id
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is not None and row.deleted_at is not None:
            raise base_deleted(row.base_id, request_id)
        return _base(row) if row else None

    async def link(self, tenant_id: str, base_id: str, name: str, request_id: str) -> Base:
        stamp = clock.now()
        async with self._engine.begin() as conn:
            await conn.execute(
                linked_bases.insert().values(
                    base_id=base_id,
                    tenant_id=tenant_id,
                    name=name,
                    request_id=request_id or None,
                    created_at=stamp,
                )
            )
        return Base(base_id, name, "airtable", stamp)

    async def unlink(self, tenant_id: str, base_id: str) -> bool:
        """Forgets the tenant's link to a base; False when there was none."""
        async with self._engine.begin() as conn:
            result = await conn.execute(
                linked_bases.update()
                .where(linked_bases.c.base_id == base_id, _live(tenant_id))
                .values(deleted_at=clock.now())
            )
        return bool(result.rowcount)

    async def page(
        self, tenant_id: str, size: int, after: list[Any] | None, only: Collection[str] | None
    ) -> tuple[list[Base], list[Any] | None]:
        query = sa.select(linked_bases).where(_live(tenant_id))
        if only is not None:
            query = query.where(linked_bases.c.base_id.in_(list(only)))
        if after is not None:
            bound = sa.tuple_(sa.literal(datetime.fromisoformat(after[0])), sa.literal(after[1]))
            query = query.where(
                sa.tuple_(linked_bases.c.created_at, linked_bases.c.base_id) > bound
            )
        query = query.order_by(linked_bases.c.created_at, linked_bases.c.base_id).limit(size + 1)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        page = [_base(r) for r in rows[:size]]
        last = page[-1] if len(rows) > size else None
        return page, [last.created_at.isoformat(), last.id] if last and last.created_at else None

    async def replay(self, tenant_id: str, table_id: str, request_id: str) -> list[Any] | None:
        query = sa.select(record_requests.c.records).where(
            record_requests.c.tenant_id == tenant_id,
            record_requests.c.table_id == table_id,
            record_requests.c.request_id == request_id,
        )
        async with self._engine.connect() as conn:
            return (await conn.execute(query)).scalar_one_or_none()

    async def remember(
        self, tenant_id: str, table_id: str, request_id: str, answer: list[Any]
    ) -> None:
        statement = insert(record_requests).values(
            tenant_id=tenant_id,
            table_id=table_id,
            request_id=request_id,
            records=answer,
            created_at=clock.now(),
        )
        async with self._engine.begin() as conn:
            await conn.execute(statement.on_conflict_do_nothing())
