"""Workflows and executions in PostgreSQL (schema "automation").

Executions are claimed by workers with `FOR UPDATE SKIP LOCKED` and a lease that the
worker renews while it runs them, so several processes on several hosts share the work,
and the execution of a worker that died is taken over once its lease ran out. Two
executions of one workflow never run at once (a queued one waits for the running one).
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.automation.workflows import model as m
from services.runtime import clock, events, keyset

metadata = sa.MetaData(schema="automation")
UUID = postgresql.UUID(as_uuid=False)
JSONB = postgresql.JSONB
WHEN = sa.DateTime(timezone=True)

workflows = sa.Table(
    "workflows",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("tenant_id", UUID),
    sa.Column("name", sa.Text),
    sa.Column("description", sa.Text),
    sa.Column("enabled", sa.Boolean),
    sa.Column("trigger_kind", sa.Text),
    sa.Column("trigger", JSONB),
    sa.Column("steps", JSONB),
    sa.Column("overlap_policy", sa.Text),
    sa.Column("creator_user_id", UUID),
    sa.Column("request_id", sa.Text),
    sa.Column("next_fire_at", WHEN),
    sa.Column("created_at", WHEN),
    sa.Column("updated_at", WHEN),
)
executions = sa.Table(
    "executions",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("tenant_id", UUID),
    sa.Column("workflow_id", UUID),
    sa.Column("status", sa.Text),
    sa.Column("trigger_type", sa.Text),
    sa.Column("trigger_data", JSONB),
    sa.Column("steps", JSONB),
    sa.Column("error", sa.Text),
    sa.Column("depth", sa.Integer),
    sa.Column("request_id", sa.Text),
    sa.Column("due_at", WHEN),
    sa.Column("lease_owner", sa.Text),
    sa.Column("lease_until", WHEN),
    sa.Column("created_at", WHEN),
    sa.Column("ended_at", WHEN),
)
outbox = events.outbox_table(metadata)
ACTIVE = (m.QUEUED, m.RUNNING, m.WAITING)


def workflow_values(wf: m.Workflow) -> dict[str, Any]:
    return {
        "name": wf.name,
        "description": wf.description,
        "enabled": wf.enabled,
        "trigger_kind": wf.trigger.kind,
        "trigger": wf.trigger.settings,
        "steps": [dataclasses.asdict(s) for s in wf.steps],
        "overlap_policy": wf.overlap_policy,
    }


def row_to_workflow(row: Any) -> m.Workflow:
    return m.Workflow(
        id=row.id,
        tenant_id=row.tenant_id,
        name=row.name,
        description=row.description,
        enabled=row.enabled,
        trigger=m.Trigger(row.trigger_kind, dict(row.trigger)),
        steps=[m.StepSpec(**s) for s in row.steps],
        overlap_policy=row.overlap_policy,
        creator_user_id=row.creator_user_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def row_to_execution(row: Any) -> m.Execution:
    return m.Execution(
        id=row.id,
        tenant_id=row.tenant_id,
        workflow_id=row.workflow_id,
        status=row.status,
        trigger_type=row.trigger_type,
        trigger_data=dict(row.trigger_data),
        steps=[m.StepRun(**s) for s in row.steps],
        error=row.error,
        depth=row.depth,
        created_at=row.created_at,
        ended_at=row.ended_at,
    )


def _mine(tenant_id: str, workflow_id: str) -> sa.ColumnElement[bool]:
    return sa.and_(workflows.c.id == workflow_id, workflows.c.tenant_id == tenant_id)


class WorkflowStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def create(
        self, wf: m.Workflow, request_id: str, next_fire_at: datetime | None
    ) -> m.Workflow:
        """Stores a new workflow; a seen request id answers the first one."""
        now = clock.now()
        values = {
            **workflow_values(wf),
            "id": wf.id,
            "tenant_id": wf.tenant_id,
            "creator_user_id": wf.creator_user_id,
            "request_id": request_id or None,
            "next_fire_at": next_fire_at,
            "created_at": now,
            "updated_at": now,
        }
        insert = postgresql.insert(workflows).values(**values)
        async with self.engine.begin() as conn:
            await conn.execute(insert.on_conflict_do_nothing(constraint="workflows_request"))
            query = sa.select(workflows).where(workflows.c.tenant_id == wf.tenant_id)
            if request_id:
                query = query.where(workflows.c.request_id == request_id)
            else:
                query = query.where(workflows.c.id == wf.id)
            return row_to_workflow((await conn.execute(query)).one())

    async def get(self, tenant_id: str, workflow_id: str) -> m.Workflow | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(sa.select(workflows).where(_mine(tenant_id, workflow_id)))
            ).first()
        return row_to_workflow(row) if row else None

    async def page(
        self, tenant_id: str, size: int, after: keyset.Key | None
    ) -> tuple[list[m.Workflow], keyset.Key | None]:
        query = sa.select(workflows).where(workflows.c.tenant_id == tenant_id)
        async with self.engine.connect() as conn:
            rows, last = await keyset.page(
                conn, query, workflows.c.created_at, workflows.c.id, size, after
            )
        return [row_to_workflow(r) for r in rows], last

    async def update(self, wf: m.Workflow, next_fire_at: datetime | None) -> m.Workflow:
        values = {**workflow_values(wf), "next_fire_at": next_fire_at, "updated_at": clock.now()}
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    workflows.update()
                    .where(_mine(wf.tenant_id, wf.id))
                    .values(**values)
                    .returning(workflows)
                )
            ).one()
        return row_to_workflow(row)

    async def delete(self, tenant_id: str, workflow_id: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(workflows.delete().where(_mine(tenant_id, workflow_id)))

    async def with_trigger(self, tenant_id: str, kind: str) -> list[m.Workflow]:
        """The tenant's enabled workflows with this kind of trigger."""
        query = sa.select(workflows).where(
            workflows.c.tenant_id == tenant_id,
            workflows.c.trigger_kind == kind,
            workflows.c.enabled.is_(True),
        )
        async with self.engine.connect() as conn:
            return [row_to_workflow(r) for r in (await conn.execute(query)).all()]


async def start(
    conn: AsyncConnection,
    wf: m.Workflow,
    trigger_type: str,
    data: dict[str, Any],
    request_id: str,
    depth: int = 0,
) -> tuple[m.Execution, bool]:
    """A new execution of the workflow, or the one this request id already started; and
    whether it is new. A schedule tick while the previous tick's execution is still active
    follows the workflow's overlap policy (skipped, or queued behind it); executions of
    other triggers (each record, each upload, each manual start) are independent."""
    skipped = False
    if trigger_type == m.SCHEDULE and wf.overlap_policy == m.SKIP:
        active = sa.select(executions.c.id).where(
            executions.c.workflow_id == wf.id,
            executions.c.trigger_type == m.SCHEDULE,
            executions.c.status.in_(ACTIVE),
        )
        skipped = (await conn.execute(active.limit(1))).first() is not None
    steps = m.fresh_steps(wf.steps)
    now = clock.now()
    values = {
        "id": str(uuid.uuid4()),
        "tenant_id": wf.tenant_id,
        "workflow_id": wf.id,
        "status": m.SKIPPED if skipped else m.QUEUED,
        "trigger_type": trigger_type,
        "trigger_data": data,
        "steps": [dataclasses.asdict(s) for s in steps],
        "error": "the previous tick's execution was still running" if skipped else "",
        "depth": depth,
        "request_id": request_id,
        "created_at": now,
        "ended_at": now if skipped else None,
    }
    insert = postgresql.insert(executions).values(**values)
    inserted = await conn.execute(
        insert.on_conflict_do_nothing(constraint="executions_request").returning(executions.c.id)
    )
    new = inserted.first() is not None
    query = sa.select(executions).where(
        executions.c.workflow_id == wf.id, executions.c.request_id == request_id
    )
    return row_to_execution((await conn.execute(query)).one()), new


def lease_end(seconds: float) -> datetime:
    return clock.now() + timedelta(seconds=seconds)
