"""Cron schedules on real PostgreSQL: two workers firing side by side start each tick once;
ticks missed while nothing ran follow the catch-up policy; the schedule goes on from now."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from services.automation.workflows import model as m
from services.automation.workflows.execution_store import ExecutionStore
from services.automation.workflows.schedules import fire_due, next_tick
from services.automation.workflows.step_call import Who
from services.automation.workflows.store import WorkflowStore, executions, start, workflows
from services.runtime import clock as runtime_clock
from tests.automation.conftest import workflow
from tests.clock import FakeClock


def creator() -> Who:
    return Who(str(uuid.uuid4()), str(uuid.uuid4()))


def schedule(catch_up: str = m.LATEST) -> m.Trigger:
    return m.Trigger(
        m.SCHEDULE, {"cron": "*/5 * * * *", "time_zone": "Europe/Paris", "catch_up": catch_up}
    )


async def ticks_of(store: WorkflowStore, workflow_id: str) -> list[str]:
    query = sa.select(executions.c.trigger_data).where(executions.c.workflow_id == workflow_id)
    async with store.engine.connect() as conn:
        ticks = [row.trigger_data["tick"] for row in (await conn.execute(query)).all()]
    return sorted(ticks, key=datetime.fromisoformat)


async def due_now(store: WorkflowStore, wf: m.Workflow, late: timedelta) -> None:
    tick = next_tick(wf.trigger.settings, runtime_clock.now() - late - timedelta(minutes=5))
    async with store.engine.begin() as conn:
        await conn.execute(
            workflows.update().where(workflows.c.id == wf.id).values(next_fire_at=tick)
        )


async def test_two_workers_start_each_tick_once(
    stores: tuple[WorkflowStore, ExecutionStore], clock: FakeClock
) -> None:
    store, _ = stores
    wf = await store.create(
        workflow(creator(), [m.StepSpec("l", "log", {"message": "x"})], schedule()), "", None
    )
    await due_now(store, wf, timedelta(seconds=1))
    for _ in range(3):
        await asyncio.gather(fire_due(store), fire_due(store))
    assert len(await ticks_of(store, wf.id)) == 1
    clock.advance(5 * 60)
    await asyncio.gather(fire_due(store), fire_due(store))
    ticks = await ticks_of(store, wf.id)
    paris = [
        datetime.fromisoformat(t).astimezone(ZoneInfo("Europe/Paris")).isoformat() for t in ticks
    ]
    assert ticks == paris  # in the schedule's time zone, both: the text is the tick's key
    first, second = (datetime.fromisoformat(t) for t in ticks)
    assert second == next_tick(wf.trigger.settings, first) <= runtime_clock.now()


async def test_missed_ticks_follow_the_catch_up_policy(
    stores: tuple[WorkflowStore, ExecutionStore], clock: FakeClock
) -> None:
    store, _ = stores
    # Halfway between two ticks: the latest tick is missed (past the grace), not late.
    now = runtime_clock.now()
    clock.advance((150 - (now.minute % 5 * 60 + now.second)) % 300)
    latest = await store.create(
        workflow(creator(), [m.StepSpec("l", "log", {"message": "x"})], schedule()), "", None
    )
    none = await store.create(
        workflow(creator(), [m.StepSpec("l", "log", {"message": "x"})], schedule(m.NONE)), "", None
    )
    for wf in (latest, none):
        await due_now(store, wf, timedelta(hours=3))  # the mesh was down for three hours
    await fire_due(store)
    [tick] = await ticks_of(store, latest.id)
    # The latest tick before now, not one three hours old.
    assert runtime_clock.now() - timedelta(minutes=5) < datetime.fromisoformat(tick)
    assert datetime.fromisoformat(tick) <= runtime_clock.now()
    assert await ticks_of(store, none.id) == []
    async with store.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(workflows.c.next_fire_at).where(workflows.c.id.in_([latest.id, none.id]))
        )
        assert all(row.next_fire_at > runtime_clock.now() for row in rows)


async def test_a_tick_while_the_last_one_runs_is_skipped_or_queued(
    stores: tuple[WorkflowStore, ExecutionStore],
) -> None:
    store, runs = stores
    log = [m.StepSpec("l", "log", {"message": "x"})]
    for policy in (m.SKIP, m.QUEUE):
        wf = workflow(creator(), log, schedule())
        wf.overlap_policy = policy
        wf = await store.create(wf, "", None)
        async with store.engine.begin() as conn:
            first, _ = await start(conn, wf, m.SCHEDULE, {}, "schedule:1")
        claimed = await claim_own(runs, wf.id)
        assert claimed is not None and claimed.id == first.id
        async with store.engine.begin() as conn:
            second, _ = await start(conn, wf, m.SCHEDULE, {}, "schedule:2")
            # Other triggers are independent of the running tick.
            manual, _ = await start(conn, wf, m.MANUAL, {}, "manual:1")
        assert second.status == (m.SKIPPED if policy == m.SKIP else m.QUEUED)
        assert manual.status == m.QUEUED
        assert (await claim_own(runs, wf.id)).id == manual.id  # type: ignore[union-attr]
        if policy == m.QUEUE:
            assert await claim_own(runs, wf.id) is None  # waits for the first tick
            claimed.status = m.SUCCEEDED
            assert await runs.save(claimed, "me")
            assert (await claim_own(runs, wf.id)).id == second.id  # type: ignore[union-attr]


async def claim_own(runs: ExecutionStore, workflow_id: str) -> m.Execution | None:
    """Claims due executions until one of this workflow's (others' are put back)."""
    while (found := await runs.claim("me", 30)) is not None:
        if found.workflow_id == workflow_id:
            return found
    return None
