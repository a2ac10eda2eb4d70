"""The saga log in PostgreSQL (schema "saga"): tables, reads, and fenced writes.

Every write an orchestrator makes while running a saga is fenced: it only lands while that
orchestrator still holds the saga's lease (owner and lease_until, checked against the
database clock under a row lock). A process whose lease lapsed cannot write, so two
processes never both believe they run a saga.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.runtime import keyset
from services.runtime.clock import now
from services.saga.model import UNFINISHED, Saga, Step

metadata = sa.MetaData(schema="saga")
UUID = postgresql.UUID(as_uuid=False)
TS = sa.DateTime(timezone=True)

sagas = sa.Table(
    "sagas",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("tenant_id", UUID),
    sa.Column("type", sa.Text),
    sa.Column("state", sa.Text),
    sa.Column("input", postgresql.JSONB),
    sa.Column("error", sa.Text),
    sa.Column("request_id", sa.Text),
    sa.Column("cancel_requested", sa.Boolean),
    sa.Column("owner", sa.Text),
    sa.Column("lease_until", TS),
    sa.Column("created_at", TS),
    sa.Column("updated_at", TS),
    sa.Column("finished_at", TS),
)
steps = sa.Table(
    "saga_steps",
    metadata,
    sa.Column("saga_id", UUID, primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("state", sa.Text),
    sa.Column("attempts", sa.Integer),
    sa.Column("result", postgresql.JSONB),
    sa.Column("error", sa.Text),
    sa.Column("ambiguous", sa.Boolean),
    sa.Column("compensation_attempts", sa.Integer),
    sa.Column("started_at", TS),
    sa.Column("updated_at", TS),
    sa.Column("finished_at", TS),
)


class LeaseLost(Exception):
    """This process no longer holds the saga's lease; another one may be running it."""


def lease_end(seconds: float) -> Any:
    return sa.func.now() + sa.func.make_interval(0, 0, 0, 0, 0, 0, seconds)


def _saga(row: Any, step_rows: list[Any]) -> Saga:
    fields = {k: getattr(row, k) for k in Saga.__dataclass_fields__ if k != "steps"}
    saga = Saga(**fields)
    saga.steps = [Step(**{k: getattr(r, k) for k in Step.__dataclass_fields__}) for r in step_rows]
    return saga


class SagaStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def insert(self, saga: Saga, owner: str, lease: float) -> Saga:
        """Writes a new saga with its pending steps, claimed by `owner`. A request_id seen
        before in the tenant returns the first saga instead."""
        if saga.request_id and (seen := await self.by_request(saga.tenant_id, saga.request_id)):
            return seen
        values = {k: getattr(saga, k) for k in Saga.__dataclass_fields__ if k != "steps"}
        try:
            async with self.engine.begin() as conn:
                await conn.execute(
                    sagas.insert().values(**values, owner=owner, lease_until=lease_end(lease))
                )
                await conn.execute(
                    steps.insert(),
                    [
                        {
                            "saga_id": saga.id,
                            "position": s.position,
                            "name": s.name,
                            "state": s.state,
                            "updated_at": saga.created_at,
                        }
                        for s in saga.steps
                    ],
                )
        except IntegrityError:
            if saga.request_id and (seen := await self.by_request(saga.tenant_id, saga.request_id)):
                return seen
            raise
        return saga

    async def _load(self, conn: AsyncConnection, where: Any) -> Saga | None:
        row = (await conn.execute(sa.select(sagas).where(where))).first()
        if row is None:
            return None
        query = sa.select(steps).where(steps.c.saga_id == row.id).order_by(steps.c.position)
        return _saga(row, list((await conn.execute(query)).all()))

    async def by_request(self, tenant_id: str, request_id: str) -> Saga | None:
        async with self.engine.connect() as conn:
            where = sa.and_(sagas.c.tenant_id == tenant_id, sagas.c.request_id == request_id)
            return await self._load(conn, where)

    async def get(self, saga_id: str, tenant_id: str | None = None) -> Saga | None:
        where = sagas.c.id == saga_id
        if tenant_id is not None:
            where = sa.and_(where, sagas.c.tenant_id == tenant_id)
        async with self.engine.connect() as conn:
            return await self._load(conn, where)

    async def list_page(
        self, tenant_id: str, size: int, after: list[Any] | None, type_: str, state: str
    ) -> tuple[list[Saga], list[Any] | None]:
        query = sa.select(sagas).where(sagas.c.tenant_id == tenant_id)
        if type_:
            query = query.where(sagas.c.type == type_)
        if state:
            query = query.where(sagas.c.state == state)
        async with self.engine.connect() as conn:
            rows, last = await keyset.page(
                conn, query, sagas.c.created_at, sagas.c.id, size, after, newest_first=True
            )
        return [_saga(r, []) for r in rows], last

    async def request_cancel(self, saga_id: str, tenant_id: str) -> Saga | None:
        """Marks an unfinished saga for cancellation; its orchestrator compensates it."""
        async with self.engine.begin() as conn:
            await conn.execute(
                sagas.update()
                .where(sagas.c.id == saga_id, sagas.c.tenant_id == tenant_id)
                .where(sagas.c.state.in_(UNFINISHED))
                .values(cancel_requested=True, updated_at=now())
            )
        return await self.get(saga_id, tenant_id)

    # --- leases -------------------------------------------------------------------------
    async def claim_expired(self, owner: str, lease: float, limit: int) -> list[str]:
        """Claims unfinished sagas nobody holds; SKIP LOCKED lets processes claim at once."""
        async with self.engine.begin() as conn:
            query = (
                sa.select(sagas.c.id)
                .where(sagas.c.state.in_(UNFINISHED))
                .where(sa.or_(sagas.c.lease_until.is_(None), sagas.c.lease_until < sa.func.now()))
                .order_by(sagas.c.updated_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            ids = [r.id for r in (await conn.execute(query)).all()]
            if ids:
                await conn.execute(
                    sagas.update()
                    .where(sagas.c.id.in_(ids))
                    .values(owner=owner, lease_until=lease_end(lease))
                )
        return ids

    async def renew(self, saga_id: str, owner: str, lease: float) -> bool:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sagas.update()
                .where(sagas.c.id == saga_id, sagas.c.owner == owner)
                .where(sagas.c.lease_until > sa.func.now())
                .values(lease_until=lease_end(lease))
            )
        return bool(result.rowcount)

    async def _fence(self, conn: AsyncConnection, saga_id: str, owner: str) -> Any:
        query = (
            sa.select(sagas.c.cancel_requested)
            .where(sagas.c.id == saga_id, sagas.c.owner == owner)
            .where(sagas.c.lease_until > sa.func.now())
            .with_for_update()
        )
        row = (await conn.execute(query)).first()
        if row is None:
            raise LeaseLost(saga_id)
        return row

    async def write_step(self, saga_id: str, owner: str, position: int, **values: Any) -> bool:
        """Updates one step under the lease; answers whether a cancel was requested."""
        async with self.engine.begin() as conn:
            fence = await self._fence(conn, saga_id, owner)
            await conn.execute(
                steps.update()
                .where(steps.c.saga_id == saga_id, steps.c.position == position)
                .values(**values, updated_at=now())
            )
        return bool(fence.cancel_requested)

    async def write_saga(self, saga_id: str, owner: str, **values: Any) -> bool:
        """Updates the saga under the lease; a final state also releases the lease."""
        async with self.engine.begin() as conn:
            fence = await self._fence(conn, saga_id, owner)
            if values.get("state") not in (None, *UNFINISHED):
                values.update(owner=None, lease_until=None, finished_at=now())
            await conn.execute(
                sagas.update().where(sagas.c.id == saga_id).values(**values, updated_at=now())
            )
        return bool(fence.cancel_requested)

    async def release(self, saga_id: str, owner: str) -> None:
        """Gives an unfinished saga back (shutdown), so another process can take it now."""
        async with self.engine.begin() as conn:
            await conn.execute(
                sagas.update()
                .where(sagas.c.id == saga_id, sagas.c.owner == owner)
                .values(owner=None, lease_until=None)
            )
