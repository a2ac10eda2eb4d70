"""Cron schedules: each tick starts its workflow once, whatever the number of processes
and hosts.

A schedule's next tick is stored on its workflow (next_fire_at). Every automation process
looks for due ticks now and then; a due workflow row is taken `FOR UPDATE SKIP LOCKED`, its
execution inserted with the request id "schedule:<tick>" (unique per workflow) and its next
tick written, in one transaction: two processes never fire one tick, and a process that
dies mid-way fires nothing (the transaction rolls back, another takes the tick).

Ticks missed while nothing ran (the mesh was down) follow the schedule's catch-up policy:
"latest" fires the most recent missed tick once, "none" fires none; either way the
schedule goes on from the next tick after now.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from cronsim import CronSim

from services.automation.workflows import model as m
from services.automation.workflows.store import WorkflowStore, row_to_workflow, start, workflows
from services.runtime import clock, logs
from services.runtime.background import poll_forever
from services.runtime.wakeups import Wakeups

# A tick at most this late still counts as on time (not missed).
GRACE = timedelta(seconds=60)
# Ticks fired per pass at most.
BATCH = 20
log = logs.get("workflows.schedules")


def next_tick(settings: dict[str, str], after: datetime) -> datetime:
    """The schedule's first tick strictly after `after`."""
    return next(CronSim(settings["cron"], after.astimezone(zone_of(settings))))


def first_tick(wf: m.Workflow) -> datetime | None:
    """The tick a new (or changed, or resumed) schedule starts from; None for others."""
    if wf.trigger.kind != m.SCHEDULE or not wf.enabled:
        return None
    return next_tick(wf.trigger.settings, clock.now())


def zone_of(settings: dict[str, str]) -> ZoneInfo:
    return ZoneInfo(settings.get("time_zone") or "UTC")


def latest_due(settings: dict[str, str], due: datetime, now: datetime) -> datetime:
    """The last tick at or before `now`, starting from the due one; always in the
    schedule's time zone (the stored due time comes back in UTC), since its text is the
    tick's idempotency key and what a run's trigger data shows."""
    latest = tick = due.astimezone(zone_of(settings))
    for _ in range(10_000):  # a minutely schedule missed for a week at most
        tick = next_tick(settings, tick)
        if tick > now:
            break
        latest = tick
    return latest


async def fire_due(store: WorkflowStore) -> int:
    """Fires every due tick (up to BATCH); answers how many executions it started."""
    now = clock.now()
    query = (
        sa.select(workflows)
        .where(workflows.c.next_fire_at <= now, workflows.c.enabled.is_(True))
        .order_by(workflows.c.next_fire_at)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    started = 0
    async with store.engine.begin() as conn:
        for row in (await conn.execute(query)).all():
            wf = row_to_workflow(row)
            settings = wf.trigger.settings
            tick = latest_due(settings, row.next_fire_at, now)
            missed = now - tick > GRACE
            if missed and settings.get("catch_up") == m.NONE:
                log.info("missed schedule tick dropped", workflow_id=wf.id, tick=tick.isoformat())
            else:
                data = {"tick": tick.isoformat(), "late_seconds": (now - tick).total_seconds()}
                _, new = await start(conn, wf, m.SCHEDULE, data, f"schedule:{tick.isoformat()}")
                started += new
            following = next_tick(settings, max(now, tick))
            await conn.execute(
                workflows.update().where(workflows.c.id == wf.id).values(next_fire_at=following)
            )
    return started


async def run(store: WorkflowStore, interval: float, wake: Wakeups) -> None:
    """Fires due ticks until cancelled, waking the runners when it started any."""

    async def one_pass() -> bool:
        if await fire_due(store):
            wake.set()
        return False

    await poll_forever(one_pass, interval, "schedule pass")
