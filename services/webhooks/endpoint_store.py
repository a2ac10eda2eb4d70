"""Endpoints in PostgreSQL, each change written with the event announcing it (one
transaction: the outbox), so the audit log sees exactly the changes that were made."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from tablemesh.events.v1.events_pb2 import Actor, WebhookEndpointChanged

from services.runtime import clock, events, keyset
from services.webhooks import model as m
from services.webhooks.tables import endpoints, outbox

SOURCE = "webhooks"
E = endpoints.c
PUBLIC_COLUMNS = [c for c in endpoints.c if c.name not in ("secret", "previous_secret")]


def row_to_endpoint(row: Any) -> m.Endpoint:
    return m.Endpoint(
        id=str(row.id),
        tenant_id=str(row.tenant_id),
        url=row.url,
        description=row.description,
        event_types=list(row.event_types),
        enabled=row.enabled,
        disabled_reason=row.disabled_reason,
        creator_user_id=str(row.creator_user_id),
        previous_secret_until=row.previous_secret_until,
        failing_since=row.failing_since,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def announce(
    conn: AsyncConnection,
    type_: str,
    ep: m.Endpoint,
    changed: list[str] | None = None,
    reason: str = "",
    actor: Actor | None = None,
) -> None:
    payload = WebhookEndpointChanged(
        endpoint_id=ep.id,
        url=ep.url,
        event_types=ep.event_types,
        enabled=ep.enabled,
        changed_fields=changed or [],
        reason=reason,
    )
    event = events.new_event(
        f"webhook.endpoint.{type_}", ep.tenant_id, SOURCE, actor, webhook_endpoint=payload
    )
    await events.emit(conn, outbox, event)


class EndpointStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def create(self, ep: m.Endpoint, sealed: bytes) -> m.Endpoint:
        now = clock.now()
        ep = dataclasses.replace(ep, created_at=now, updated_at=now)
        values = {f.name: getattr(ep, f.name) for f in dataclasses.fields(ep)}
        async with self.engine.begin() as conn:
            await conn.execute(endpoints.insert().values(**values, secret=sealed))
            await announce(conn, "created", ep)
        return ep

    async def get(self, tenant_id: str, endpoint_id: str) -> m.Endpoint | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(*PUBLIC_COLUMNS).where(E.id == endpoint_id, E.tenant_id == tenant_id)
                )
            ).first()
        return row_to_endpoint(row) if row else None

    async def secrets(self, endpoint_id: str) -> tuple[bytes, bytes | None, datetime | None]:
        """The sealed secret, the sealed previous one and the end of its overlap."""
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(E.secret, E.previous_secret, E.previous_secret_until).where(
                        E.id == endpoint_id
                    )
                )
            ).one()
        return row.secret, row.previous_secret, row.previous_secret_until

    async def page(
        self, tenant_id: str, size: int, after: keyset.Key | None
    ) -> tuple[list[m.Endpoint], keyset.Key | None]:
        query = sa.select(*PUBLIC_COLUMNS).where(E.tenant_id == tenant_id)
        async with self.engine.connect() as conn:
            rows, last = await keyset.page(conn, query, E.created_at, E.id, size, after)
        return [row_to_endpoint(r) for r in rows], last

    async def update(self, ep: m.Endpoint, changed: list[str]) -> m.Endpoint:
        """Writes the named fields; turning it on clears why the mesh turned it off."""
        ep = dataclasses.replace(ep, updated_at=clock.now())
        values: dict[str, Any] = {name: getattr(ep, name) for name in changed}
        if ep.enabled and "enabled" in changed:
            ep = dataclasses.replace(ep, disabled_reason="", failing_since=None)
            values.update(disabled_reason="", failing_since=None)
        async with self.engine.begin() as conn:
            await conn.execute(
                endpoints.update()
                .where(E.id == ep.id, E.tenant_id == ep.tenant_id)
                .values(**values, updated_at=ep.updated_at)
            )
            await announce(conn, "updated", ep, changed)
        return ep

    async def delete(self, ep: m.Endpoint) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(endpoints.delete().where(E.id == ep.id, E.tenant_id == ep.tenant_id))
            await announce(conn, "deleted", ep)

    async def rotate(
        self, ep: m.Endpoint, sealed_new: bytes, overlap_until: datetime
    ) -> m.Endpoint:
        """The new secret in place; the current one kept (resealed by the caller's key
        through `secret`) until `overlap_until`."""
        ep = dataclasses.replace(ep, previous_secret_until=overlap_until, updated_at=clock.now())
        async with self.engine.begin() as conn:
            await conn.execute(
                endpoints.update()
                .where(E.id == ep.id, E.tenant_id == ep.tenant_id)
                .values(
                    previous_secret=E.secret,
                    previous_secret_until=overlap_until,
                    secret=sealed_new,
                    updated_at=ep.updated_at,
                )
            )
            await announce(conn, "secret_rotated", ep)
        return ep

    async def subscribed(self, tenant_id: str, event_type: str) -> list[m.Endpoint]:
        """The tenant's endpoints that receive this type (paused ones too: their messages
        wait for them)."""
        query = sa.select(*PUBLIC_COLUMNS).where(
            E.tenant_id == tenant_id, E.event_types.contains([event_type])
        )
        async with self.engine.connect() as conn:
            return [row_to_endpoint(r) for r in (await conn.execute(query)).all()]
