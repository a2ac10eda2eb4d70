"""PostgreSQL storage of the bases linked to workspaces: a base is in one workspace at most
(a unique index on tenant and base), so that its workspace's roles alone govern it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine

from services.runtime import clock, keyset
from services.workspaces.model import LinkedBase
from services.workspaces.store import linked_bases

Key = list[Any] | None


def _linked(row: Any) -> LinkedBase:
    return LinkedBase(row.base_id, row.linked_by, row.created_at)


class LinkStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def link(
        self, tenant_id: str, workspace_id: str, link: LinkedBase
    ) -> tuple[str, LinkedBase]:
        """Links the base unless it already is; answers the workspace it is in and its link
        (another workspace's, when it was linked there first)."""
        insert = (
            postgresql.insert(linked_bases)
            .values(
                tenant_id=tenant_id,
                workspace_id=workspace_id,
                base_id=link.base_id,
                linked_by=link.linked_by,
                created_at=link.created_at,
            )
            .on_conflict_do_nothing()
        )
        select = sa.select(linked_bases).where(
            linked_bases.c.tenant_id == tenant_id, linked_bases.c.base_id == link.base_id
        )
        async with self._engine.begin() as conn:
            await conn.execute(insert)
            row = (await conn.execute(select)).one()
        return str(row.workspace_id), _linked(row)

    async def workspace_of(self, tenant_id: str, base_id: str) -> str | None:
        select = sa.select(linked_bases.c.workspace_id).where(
            linked_bases.c.tenant_id == tenant_id, linked_bases.c.base_id == base_id
        )
        async with self._engine.connect() as conn:
            found = (await conn.execute(select)).scalar_one_or_none()
        return str(found) if found else None

    async def unlink(self, tenant_id: str, workspace_id: str, base_id: str) -> None:
        query = linked_bases.delete().where(
            linked_bases.c.tenant_id == tenant_id,
            linked_bases.c.workspace_id == workspace_id,
            linked_bases.c.base_id == base_id,
        )
        async with self._engine.begin() as conn:
            await conn.execute(query)

    async def bases(
        self, tenant_id: str, workspace_id: str, size: int, after: Key
    ) -> tuple[list[LinkedBase], Key]:
        query = sa.select(linked_bases).where(
            linked_bases.c.tenant_id == tenant_id, linked_bases.c.workspace_id == workspace_id
        )
        async with self._engine.connect() as conn:
            rows, last = await keyset.page(
                conn, query, linked_bases.c.created_at, linked_bases.c.base_id, size, after
            )
        return [_linked(r) for r in rows], last

    async def unplaced(self, batch: int = 500) -> AsyncIterator[tuple[str, str, str]]:
        """Every link not yet placed at permissions, of every tenant, as (tenant,
        workspace, base), a batch at a time."""
        after: Key = None
        pending = sa.select(linked_bases).where(linked_bases.c.placed_at.is_(None))
        while True:
            async with self._engine.connect() as conn:
                rows, after = await keyset.page(
                    conn, pending, linked_bases.c.created_at, linked_bases.c.base_id, batch, after
                )
            for row in rows:
                yield str(row.tenant_id), str(row.workspace_id), row.base_id
            if after is None:
                return

    async def placed(self, tenant_id: str, workspace_id: str, base_id: str) -> None:
        """Notes that the permissions service knows the base is in the workspace."""
        query = (
            linked_bases.update()
            .where(
                linked_bases.c.tenant_id == tenant_id,
                linked_bases.c.workspace_id == workspace_id,
                linked_bases.c.base_id == base_id,
            )
            .values(placed_at=clock.now())
        )
        async with self._engine.begin() as conn:
            await conn.execute(query)
