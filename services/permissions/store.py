"""PostgreSQL storage of permission entries (schema "permissions")."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from tablemesh.events.v1.events_pb2 import Event, PermissionChanged

from services.permissions import parents
from services.permissions.model import Permission
from services.runtime import events

metadata = sa.MetaData(schema="permissions")
UUID = postgresql.UUID(as_uuid=False)
entries = sa.Table(
    "entries",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("tenant_id", UUID),
    *(
        sa.Column(name, sa.Text)
        for name in ("subject", "resource", "role", "effect", "action", "granted_by")
    ),
    *(sa.Column(name, sa.DateTime(timezone=True)) for name in ("created_at", "updated_at")),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)
grant_requests = sa.Table(
    "grant_requests",
    metadata,
    sa.Column("tenant_id", UUID, primary_key=True),
    sa.Column("request_id", sa.Text, primary_key=True),
    sa.Column("entry_id", UUID),
)
FIELDS = [f.name for f in fields(Permission)]
# Grants and revocations announce themselves in their transaction (the audit log).
outbox = events.outbox_table(metadata)


def changed_event(type_: str, entry: Any) -> Event:
    changed = PermissionChanged(
        resource=entry.resource,
        subject=entry.subject,
        relation=entry.role or entry.action,
        effect=entry.effect,
    )
    return events.new_event(type_, str(entry.tenant_id), "permissions", permission=changed)


def _entry(row: Any) -> Permission:
    return Permission(**{name: getattr(row, name) for name in FIELDS})


def _live(tenant_id: str) -> sa.ColumnElement[bool]:
    return sa.and_(entries.c.tenant_id == tenant_id, entries.c.revoked_at.is_(None))


class PermissionStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def live_entries(self, tenant_id: str, subject: str, resource: str) -> list[Permission]:
        """The subject's live entries on the resource and on its parent, if it has one."""
        parent = parents.parent_of_query(tenant_id, resource)
        query = sa.select(entries).where(
            _live(tenant_id),
            entries.c.subject == subject,
            sa.or_(entries.c.resource == resource, entries.c.resource == parent),
        )
        async with self._engine.connect() as conn:
            return [_entry(r) for r in (await conn.execute(query)).all()]

    async def get(self, tenant_id: str, entry_id: str) -> Permission | None:
        query = sa.select(entries).where(entries.c.tenant_id == tenant_id, entries.c.id == entry_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return _entry(row) if row else None

    async def ever_held(self, tenant_id: str, resource: str) -> bool:
        """Whether anyone ever had an entry on the resource, revoked ones included, or it is
        a parent or a child here (a service placed it: it is the tenant's)."""
        held = sa.select(entries.c.id).where(
            entries.c.tenant_id == tenant_id, entries.c.resource == resource
        )
        query = sa.select(sa.or_(held.exists(), parents.linked_query(tenant_id, resource).exists()))
        async with self._engine.connect() as conn:
            return bool((await conn.execute(query)).scalar())

    async def by_request(self, tenant_id: str, request_id: str) -> Permission | None:
        async with self._engine.connect() as conn:
            return await self._by_request_in(conn, tenant_id, request_id)

    async def grant(self, new: Permission, request_id: str) -> Permission:
        """Inserts the entry, or for a live entry of the same key changes its role, all in
        one transaction that also records the request id. Concurrent grants of the same key
        serialize on a transaction-scoped advisory lock."""
        key = f"{new.tenant_id}|{new.subject}|{new.resource}|{new.effect}|{new.action}"
        async with self._engine.begin() as conn:
            await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(key))))
            if request_id and (seen := await self._by_request_in(conn, new.tenant_id, request_id)):
                return seen
            result = await self._upsert(conn, new)
            if request_id:
                await conn.execute(
                    postgresql.insert(grant_requests)
                    .values(tenant_id=new.tenant_id, request_id=request_id, entry_id=result.id)
                    .on_conflict_do_nothing()
                )
        return result

    async def _by_request_in(
        self, conn: AsyncConnection, tenant_id: str, request_id: str
    ) -> Permission | None:
        query = (
            sa.select(entries)
            .join(grant_requests, grant_requests.c.entry_id == entries.c.id)
            .where(grant_requests.c.tenant_id == tenant_id)
            .where(grant_requests.c.request_id == request_id)
        )
        row = (await conn.execute(query)).first()
        return _entry(row) if row else None

    async def _upsert(self, conn: AsyncConnection, new: Permission) -> Permission:
        same_key = sa.and_(
            _live(new.tenant_id),
            entries.c.subject == new.subject,
            entries.c.resource == new.resource,
            entries.c.effect == new.effect,
            entries.c.action == new.action,
        )
        row = (await conn.execute(sa.select(entries).where(same_key).with_for_update())).first()
        if row is None:
            values = {name: getattr(new, name) for name in FIELDS}
            await conn.execute(entries.insert().values(**values))
            await events.emit(conn, outbox, changed_event("permission.granted", new))
            return new
        existing = _entry(row)
        if existing.role == new.role:
            return existing
        changed = (
            await conn.execute(
                entries.update()
                .where(entries.c.id == existing.id)
                .values(role=new.role, updated_at=new.updated_at)
                .returning(*entries.c)
            )
        ).one()
        await events.emit(conn, outbox, changed_event("permission.granted", changed))
        return _entry(changed)

    async def revoke(self, tenant_id: str, entry_id: str, when: datetime) -> None:
        query = (
            entries.update()
            .where(_live(tenant_id), entries.c.id == entry_id)
            .values(revoked_at=when, updated_at=when)
            .returning(*entries.c)
        )
        async with self._engine.begin() as conn:
            gone = (await conn.execute(query)).all()
            await events.emit(conn, outbox, *(changed_event("permission.revoked", r) for r in gone))

    async def revoke_resource(self, tenant_id: str, resource: str, when: datetime) -> int:
        """Revokes every entry on the resource and drops its parent links both ways (a
        deleted workspace's bases fall out of it); answers how many entries it revoked."""
        query = (
            entries.update()
            .where(_live(tenant_id), entries.c.resource == resource)
            .values(revoked_at=when, updated_at=when)
            .returning(*entries.c)
        )
        async with self._engine.begin() as conn:
            gone = (await conn.execute(query)).all()
            await events.emit(conn, outbox, *(changed_event("permission.revoked", r) for r in gone))
            await parents.unlink(conn, tenant_id, resource)
        return len(gone)

    async def page(
        self,
        tenant_id: str,
        *,
        subject: str,
        resource: str,
        resource_type: str,
        size: int,
        after: list[Any] | None,
    ) -> tuple[list[Permission], list[Any] | None]:
        """A page oldest first, and the key of its last row when more follow."""
        query = sa.select(entries).where(_live(tenant_id))
        if subject:
            query = query.where(entries.c.subject == subject)
        if resource:
            query = query.where(entries.c.resource == resource)
        if resource_type:
            query = query.where(entries.c.resource.startswith(f"{resource_type}:"))
        if after is not None:
            bound = sa.tuple_(
                sa.literal(datetime.fromisoformat(after[0]), entries.c.created_at.type),
                sa.literal(after[1], UUID),
            )
            query = query.where(sa.tuple_(entries.c.created_at, entries.c.id) > bound)
        query = query.order_by(entries.c.created_at, entries.c.id).limit(size + 1)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        found = [_entry(r) for r in rows[:size]]
        last = [found[-1].created_at.isoformat(), found[-1].id] if len(rows) > size else None
        return found, last
