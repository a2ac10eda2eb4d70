"""PostgreSQL storage of workspaces and their linked bases (schema "workspaces")."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.events.v1.events_pb2 import Event

from services.runtime import events, keyset
from services.workspaces.model import Workspace

metadata = sa.MetaData(schema="workspaces")
UUID = postgresql.UUID(as_uuid=False)
workspaces = sa.Table(
    "workspaces",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("tenant_id", UUID),
    *(sa.Column(name, sa.Text) for name in ("name", "description", "owner_user_id", "request_id")),
    *(
        sa.Column(name, sa.DateTime(timezone=True))
        for name in ("created_at", "updated_at", "deleted_at")
    ),
)
linked_bases = sa.Table(
    "linked_bases",
    metadata,
    sa.Column("workspace_id", UUID, primary_key=True),
    sa.Column("base_id", sa.Text, primary_key=True),
    sa.Column("tenant_id", UUID),
    sa.Column("linked_by", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True)),
    # When the permissions service learnt the base is in the workspace; NULL until then.
    sa.Column("placed_at", sa.DateTime(timezone=True)),
    sa.Index("linked_bases_one_workspace", "tenant_id", "base_id", unique=True),
)
# Tenants whose bases from before workspace roles still wait to move into a workspace.
base_adoptions = sa.Table(
    "base_adoptions",
    metadata,
    sa.Column("tenant_id", UUID, primary_key=True),
    sa.Column("workspace_id", UUID),
)
FIELDS = [f.name for f in fields(Workspace)]
Key = list[Any] | None


def _workspace(row: Any) -> Workspace:
    return Workspace(**{name: getattr(row, name) for name in FIELDS})


# Member changes: made in the permissions service, announced here once it accepted them.
outbox = events.outbox_table(metadata)


class WorkspaceStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def announce(self, *announced: Event) -> None:
        """Events of changes made outside this schema (members live in permissions)."""
        await events.emit_alone(self._engine, outbox, *announced)

    async def get(self, tenant_id: str, workspace_id: str) -> Workspace | None:
        """The tenant's workspace by id, deleted ones included."""
        query = sa.select(workspaces).where(
            workspaces.c.tenant_id == tenant_id, workspaces.c.id == workspace_id
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return _workspace(row) if row else None

    async def by_request(self, tenant_id: str, request_id: str) -> Workspace | None:
        query = sa.select(workspaces).where(
            workspaces.c.tenant_id == tenant_id, workspaces.c.request_id == request_id
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return _workspace(row) if row else None

    async def insert(self, workspace: Workspace, request_id: str | None) -> Workspace:
        """Inserts, or returns the workspace an earlier call with the request id created."""
        values = {name: getattr(workspace, name) for name in FIELDS}
        query = postgresql.insert(workspaces).values(**values, request_id=request_id)
        if request_id:
            query = query.on_conflict_do_nothing(
                index_elements=["tenant_id", "request_id"],
                index_where=workspaces.c.request_id.is_not(None),
            )
        async with self._engine.begin() as conn:
            inserted = (await conn.execute(query.returning(workspaces.c.id))).first()
        if inserted is None and request_id:
            seen = await self.by_request(workspace.tenant_id, request_id)
            if seen is None:  # purged in between by a failed create: try once more
                return await self.insert(workspace, request_id)
            return seen
        return workspace

    async def update(self, tenant_id: str, workspace_id: str, changes: dict[str, Any]) -> Workspace:
        query = (
            workspaces.update()
            .where(workspaces.c.tenant_id == tenant_id, workspaces.c.id == workspace_id)
            .values(**changes)
            .returning(*workspaces.c)
        )
        async with self._engine.begin() as conn:
            return _workspace((await conn.execute(query)).one())

    async def purge(self, tenant_id: str, workspace_id: str) -> None:
        """Removes a workspace for good (one whose creation could not be completed)."""
        async with self._engine.begin() as conn:
            await conn.execute(
                linked_bases.delete().where(linked_bases.c.workspace_id == workspace_id)
            )
            await conn.execute(
                workspaces.delete().where(
                    workspaces.c.tenant_id == tenant_id, workspaces.c.id == workspace_id
                )
            )

    async def page(
        self, tenant_id: str, ids: list[str] | None, size: int, after: Key
    ) -> tuple[list[Workspace], Key]:
        """Live workspaces oldest first (only `ids` when given), and the last row's key when
        more follow."""
        query = sa.select(workspaces).where(
            workspaces.c.tenant_id == tenant_id, workspaces.c.deleted_at.is_(None)
        )
        if ids is not None:
            query = query.where(workspaces.c.id.in_(ids))
        async with self._engine.connect() as conn:
            rows, last = await keyset.page(
                conn, query, workspaces.c.created_at, workspaces.c.id, size, after
            )
        return [_workspace(r) for r in rows], last
