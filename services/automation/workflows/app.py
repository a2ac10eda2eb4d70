"""Wires the workflows part of the automation service: API, runners, schedules, triggers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.events.v1.events_pb2 import ExecutionFinished

from services.automation.workflows import model as m
from services.automation.workflows import schedules
from services.automation.workflows.domain import Tables, Workflows
from services.automation.workflows.execution_store import ExecutionStore
from services.automation.workflows.runner import Finished, Runner, run_workers
from services.automation.workflows.step_call import Actions
from services.automation.workflows.store import WorkflowStore, outbox
from services.automation.workflows.triggers import Triggers
from services.runtime import events
from services.runtime.background import poll_forever
from services.runtime.config import Settings
from services.runtime.events import Actor, ActorKind
from services.runtime.subscriptions import Subscription, consumer_name
from services.runtime.wakeups import Wakeups

GROUP = "workflows"


@dataclass
class WorkflowsApp:
    workflows: Workflows
    store: WorkflowStore
    runs: ExecutionStore
    runners: list[Runner]
    subscription: Subscription
    wake: Wakeups
    cfg: Settings

    async def run(self) -> None:
        """Everything besides the API, until cancelled."""
        await asyncio.gather(
            run_workers(self.runners, self.wake),
            self.wake.poll_forever(self.cfg.workflow_poll_interval),
            schedules.run(self.store, self.cfg.workflow_poll_interval, self.wake),
            self.subscription.run(),
            poll_forever(self._prune, 3600, "execution retention"),
        )

    async def _prune(self) -> bool:
        await self.runs.prune(self.cfg.workflow_execution_retention_days)
        return False


def announcer(engine: AsyncEngine) -> Finished:
    async def finished(execution: m.Execution, wf: m.Workflow) -> None:
        payload = ExecutionFinished(
            workflow_id=wf.id,
            workflow_name=wf.name,
            execution_id=execution.id,
            status=execution.status,
            trigger_type=execution.trigger_type,
            error=execution.error,
        )
        actor = Actor(kind=ActorKind.ACTOR_KIND_SERVICE, id="service:automation", role="service")
        event = events.new_event(
            "execution.finished", execution.tenant_id, "automation", actor, execution=payload
        )
        await events.emit_alone(engine, outbox, event)

    return finished


def build(
    engine: AsyncEngine, redis: Redis, cfg: Settings, actions: Actions, tables: Tables
) -> WorkflowsApp:
    wake = Wakeups(cfg.workflow_concurrency)
    store, runs = WorkflowStore(engine), ExecutionStore(engine)
    owner = consumer_name("automation")
    finished = announcer(engine)
    runners = [
        Runner(
            runs,
            actions,
            f"{owner}-{i}",
            cfg.workflow_lease_seconds,
            cfg.workflow_retry_delay,
            finished,
        )
        for i in range(cfg.workflow_concurrency)
    ]
    subscription = Subscription(redis, GROUP, owner, Triggers(store, wake), Triggers.TYPES)
    workflows = Workflows(store, runs, tables, wake)
    return WorkflowsApp(workflows, store, runs, runners, subscription, wake, cfg)
