"""PostgreSQL storage of resource parents: which resource (a base) sits inside which (its
workspace), per tenant. The entries' store reads the table when it decides."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

# Its own MetaData (same schema): store.py imports this table, so this module may not
# import store.py's.
metadata = sa.MetaData(schema="permissions")
parents = sa.Table(
    "parents",
    metadata,
    sa.Column("tenant_id", postgresql.UUID(as_uuid=False), primary_key=True),
    sa.Column("child", sa.Text, primary_key=True),
    sa.Column("parent", sa.Text),
    sa.Column("set_by", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True)),
)


def parent_of_query(tenant_id: str, child: str) -> sa.ScalarSelect[str]:
    """The child's parent as a scalar subquery (NULL when it has none)."""
    mine = sa.and_(parents.c.tenant_id == tenant_id, parents.c.child == child)
    return sa.select(parents.c.parent).where(mine).scalar_subquery()


def linked_query(tenant_id: str, resource: str) -> sa.Select[int]:
    """A row when the resource is a child or a parent in the tenant."""
    either = sa.or_(parents.c.child == resource, parents.c.parent == resource)
    return sa.select(sa.literal(1)).where(parents.c.tenant_id == tenant_id, either)


async def unlink(conn: AsyncConnection, tenant_id: str, resource: str) -> None:
    """Drops the resource's own parent link and the links of its children."""
    either = sa.or_(parents.c.child == resource, parents.c.parent == resource)
    await conn.execute(parents.delete().where(parents.c.tenant_id == tenant_id, either))


class ParentStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def set(
        self, tenant_id: str, child: str, parent: str, set_by: str, when: datetime
    ) -> str:
        """Places the child inside the parent, replacing the parent it had; answers that
        one ("" for none)."""
        return await self._change(
            tenant_id, child, {"parent": parent, "set_by": set_by, "created_at": when}
        )

    async def clear(self, tenant_id: str, child: str) -> str:
        """Takes the child out of its parent; answers that parent ("" for none)."""
        return await self._change(tenant_id, child, None)

    async def _change(self, tenant_id: str, child: str, row: dict[str, Any] | None) -> str:
        """Calls for one child serialize on an advisory lock, so each answers the parent the
        call before it left; a call that changes nothing writes nothing."""
        mine = sa.and_(parents.c.tenant_id == tenant_id, parents.c.child == child)
        async with self._engine.begin() as conn:
            key = f"parent|{tenant_id}|{child}"
            await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(key))))
            previous = (await conn.execute(sa.select(parents.c.parent).where(mine))).scalar()
            if row is None:
                await conn.execute(parents.delete().where(mine))
            elif row["parent"] != previous:
                await conn.execute(
                    postgresql.insert(parents)
                    .values(tenant_id=tenant_id, child=child, **row)
                    .on_conflict_do_update(index_elements=["tenant_id", "child"], set_=row)
                )
        return previous or ""

    async def parent_of(self, tenant_id: str, child: str) -> str:
        async with self._engine.connect() as conn:
            return (await conn.execute(sa.select(parent_of_query(tenant_id, child)))).scalar() or ""

    async def children_of(self, tenant_id: str, parent: str) -> list[str]:
        query = (
            sa.select(parents.c.child)
            .where(parents.c.tenant_id == tenant_id, parents.c.parent == parent)
            .order_by(parents.c.child)
        )
        async with self._engine.connect() as conn:
            return list((await conn.execute(query)).scalars())
