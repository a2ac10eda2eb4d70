"""Executions in PostgreSQL: claims with leases, progress saved step by step, listings."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.automation.workflows import model as m
from services.automation.workflows.store import (
    ACTIVE,
    executions,
    lease_end,
    row_to_execution,
    workflows,
)
from services.runtime import clock, keyset


class ExecutionStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def claim(self, owner: str, lease_seconds: float) -> m.Execution | None:
        """The oldest execution due to run, now leased to `owner`: queued, waiting whose
        time came, or running under a lease that ran out (its worker died). A schedule
        tick's execution waits while the previous tick's is still active (overlap policy:
        queue)."""
        now = clock.now()
        other = executions.alias("other")
        previous_tick_active = sa.exists().where(
            other.c.workflow_id == executions.c.workflow_id,
            other.c.id != executions.c.id,
            other.c.trigger_type == m.SCHEDULE,
            other.c.status.in_([m.RUNNING, m.WAITING]),
            sa.or_(other.c.lease_until >= now, other.c.status == m.WAITING),
        )
        waits = sa.and_(
            executions.c.status == m.QUEUED,
            executions.c.trigger_type == m.SCHEDULE,
            previous_tick_active,
        )
        due = sa.or_(
            executions.c.status == m.QUEUED,
            sa.and_(executions.c.status == m.WAITING, executions.c.due_at <= now),
            sa.and_(executions.c.status == m.RUNNING, executions.c.lease_until < now),
        )
        query = (
            sa.select(executions)
            .where(due, sa.not_(waits))
            .order_by(executions.c.created_at)
            .limit(1)
            .with_for_update(skip_locked=True, of=executions)
        )
        async with self.engine.begin() as conn:
            row = (await conn.execute(query)).first()
            if row is None:
                return None
            await conn.execute(
                executions.update()
                .where(executions.c.id == row.id)
                .values(status=m.RUNNING, lease_owner=owner, lease_until=lease_end(lease_seconds))
            )
        execution = row_to_execution(row)
        execution.status = m.RUNNING
        return execution

    async def renew(self, execution_id: str, owner: str, lease_seconds: float) -> bool:
        async with self.engine.begin() as conn:
            done = await conn.execute(
                executions.update()
                .where(executions.c.id == execution_id, executions.c.lease_owner == owner)
                .values(lease_until=lease_end(lease_seconds))
            )
        return bool(done.rowcount)

    async def save(
        self, execution: m.Execution, owner: str, due_at: datetime | None = None
    ) -> bool:
        """Writes the execution's progress while `owner` still holds it; False when another
        worker took it over (this one must stop)."""
        ended = execution.status in m.FINISHED
        values: dict[str, Any] = {
            "status": execution.status,
            "steps": [dataclasses.asdict(s) for s in execution.steps],
            "error": execution.error,
            "due_at": due_at,
            "ended_at": clock.now() if ended else None,
        }
        if ended or execution.status == m.WAITING:
            values.update(lease_owner=None, lease_until=None)
        async with self.engine.begin() as conn:
            done = await conn.execute(
                executions.update()
                .where(executions.c.id == execution.id, executions.c.lease_owner == owner)
                .values(**values)
            )
        return bool(done.rowcount)

    async def get(self, tenant_id: str, workflow_id: str, execution_id: str) -> m.Execution | None:
        query = sa.select(executions).where(
            executions.c.id == execution_id,
            executions.c.workflow_id == workflow_id,
            executions.c.tenant_id == tenant_id,
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return row_to_execution(row) if row else None

    async def page(
        self, tenant_id: str, workflow_id: str, size: int, after: keyset.Key | None
    ) -> tuple[list[m.Execution], keyset.Key | None]:
        """Newest first."""
        query = sa.select(executions).where(
            executions.c.workflow_id == workflow_id, executions.c.tenant_id == tenant_id
        )
        async with self.engine.connect() as conn:
            rows, last = await keyset.page(
                conn, query, executions.c.created_at, executions.c.id, size, after,
                newest_first=True,
            )  # fmt: skip
        return [row_to_execution(r) for r in rows], last

    async def requeue(self, execution: m.Execution) -> m.Execution:
        """A failed execution queued again with the given steps (reset by the caller)."""
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    executions.update()
                    .where(executions.c.id == execution.id, executions.c.status == m.FAILED)
                    .values(
                        status=m.QUEUED,
                        error="",
                        ended_at=None,
                        steps=[dataclasses.asdict(s) for s in execution.steps],
                    )
                    .returning(executions)
                )
            ).first()
        return row_to_execution(row) if row else execution

    async def prune(self, older_than_days: float) -> int:
        cutoff = clock.now() - timedelta(days=older_than_days)
        async with self.engine.begin() as conn:
            done = await conn.execute(
                executions.delete().where(
                    executions.c.status.not_in(ACTIVE), executions.c.ended_at < cutoff
                )
            )
        return int(done.rowcount)

    async def workflow_of(self, execution: m.Execution) -> Any:
        query = sa.select(workflows).where(workflows.c.id == execution.workflow_id)
        async with self.engine.connect() as conn:
            return (await conn.execute(query)).first()
