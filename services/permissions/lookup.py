"""Which resources of a type a subject may act on, in one SQL query over entries and parents.

It answers what `decide` would answer for each resource, without asking resource by
resource: a role held on the resource itself comes first, else the role held on its parent;
a deny entry on the resource or on its parent refuses. The tenant admins' rule is not
applied (callers that let admins see everything say so themselves).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.permissions.model import ALL_ACTIONS, roles_allowing
from services.permissions.parents import parents
from services.permissions.store import entries


def _query(
    tenant_id: str, subject: str, resource_type: str, action: str, limit: int
) -> sa.Select[str]:
    mine = sa.and_(
        entries.c.tenant_id == tenant_id,
        entries.c.subject == subject,
        entries.c.revoked_at.is_(None),
    )
    held = (
        sa.select(entries.c.resource, entries.c.role)
        .where(mine, entries.c.effect == "allow")
        .cte("held")
    )
    refused = entries.c.action.in_((action, ALL_ACTIONS))
    denied = (
        sa.select(entries.c.resource).where(mine, entries.c.effect == "deny", refused).cte("denied")
    )
    roles = roles_allowing(action)
    prefix = f"{resource_type}:"

    direct = sa.select(held.c.resource).where(
        held.c.role.in_(roles), held.c.resource.startswith(prefix)
    )
    own = held.alias("own")  # a role held on the child itself comes before its parent's
    inherited = (
        sa.select(parents.c.child)
        .join(held, held.c.resource == parents.c.parent)
        .where(parents.c.tenant_id == tenant_id, parents.c.child.startswith(prefix))
        .where(held.c.role.in_(roles), ~sa.exists().where(own.c.resource == parents.c.child))
    )
    found = sa.union(direct, inherited).subquery("found")  # union: each resource once
    link = parents.alias("link")
    deny_on_parent = sa.exists().where(
        link.c.tenant_id == tenant_id,
        link.c.child == found.c.resource,
        link.c.parent == denied.c.resource,
    )
    deny_on_itself = sa.exists().where(denied.c.resource == found.c.resource)
    return (
        sa.select(found.c.resource)
        .where(~deny_on_itself, ~deny_on_parent)
        .order_by(found.c.resource)
        .limit(limit + 1)
    )


class LookupStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def resources(
        self, tenant_id: str, subject: str, resource_type: str, action: str, limit: int
    ) -> tuple[list[str], bool]:
        """At most `limit` resources in resource order, and whether more were found."""
        query = _query(tenant_id, subject, resource_type, action, limit)
        async with self._engine.connect() as conn:
            found = list((await conn.execute(query)).scalars())
        return found[:limit], len(found) > limit
