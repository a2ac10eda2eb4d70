"""The execution runner on real PostgreSQL and a real (in-process) airtable domain: a worker
that dies mid-step is taken over once its lease runs out and the step's write is not
doubled; a step retries what a retry can mend and fails at once on a refusal; a delay
parks the execution; quotes carry one step's output into the next."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import pytest
from grpc.aio import AioRpcError, Metadata

from services.automation.workflows import model as m
from services.automation.workflows.execution_store import ExecutionStore
from services.automation.workflows.runner import Runner
from services.automation.workflows.step_call import Who
from services.automation.workflows.store import WorkflowStore, start
from tests.automation.conftest import LocalActions, workflow
from tests.clock import FakeClock

LEASE = 10.0


class Announced:
    def __init__(self) -> None:
        self.ended: list[str] = []

    async def __call__(self, execution: m.Execution, wf: m.Workflow) -> None:
        self.ended.append(execution.status)


def runner(runs: ExecutionStore, actions: Any, name: str, announced: Announced) -> Runner:
    return Runner(runs, actions, name, LEASE, 0.0, announced)


async def started(store: WorkflowStore, wf: m.Workflow, data: dict[str, Any] | None = None) -> str:
    async with store.engine.begin() as conn:
        execution, _ = await start(conn, wf, m.MANUAL, data or {}, f"manual:{wf.id}")
    return execution.id


def write(sheet: dict[str, Any], name: str, value: str) -> m.StepSpec:
    config = {"base_id": sheet["base"], "table_id": sheet["table"], "records": [{"Name": value}]}
    return m.StepSpec(name, "create_records", config)


async def log_rows(sheet: dict[str, Any]) -> list[str]:
    found, _ = await sheet["airtable"].list_records(
        sheet["creator"], sheet["base"], sheet["table"], formula="", sort=[], fields=[],
        view="", page_size=100, page_token="",
    )  # fmt: skip
    return sorted(r.fields["Name"] for r in found)


class DiesAfterWriting(LocalActions):
    """The worker's host dies right after the second write reached airtable."""

    def __init__(self, airtable: Any) -> None:
        super().__init__(airtable)
        self.dead = asyncio.Event()

    async def create_records(self, who: Who, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        made = await super().create_records(who, *args, **kwargs)
        if len(self.calls) == 2:
            self.dead.set()
            await asyncio.Event().wait()  # never answers: the process is gone
        return made


async def test_a_dead_workers_execution_is_resumed_without_double_writes(
    stores: tuple[WorkflowStore, ExecutionStore], sheet: dict[str, Any], clock: FakeClock
) -> None:
    store, runs = stores
    steps = [
        write(sheet, "first", "one"),
        write(sheet, "second", "{{steps.0.output.records.0.fields.Name}} and two"),
    ]
    wf = await store.create(workflow(sheet["who"], steps), "", None)
    execution_id = await started(store, wf)
    announced = Announced()
    dying = DiesAfterWriting(sheet["airtable"])
    doomed = asyncio.create_task(runner(runs, dying, "host-a", announced).run_next())
    await dying.dead.wait()
    doomed.cancel()  # host-a is gone, its lease still held
    survivor = runner(runs, LocalActions(sheet["airtable"]), "host-b", announced)
    assert await survivor.run_next() is False  # the lease has not run out yet
    clock.advance(LEASE + 1)
    assert await survivor.run_next() is True
    done = await runs.get(wf.tenant_id, wf.id, execution_id)
    assert done is not None and done.status == m.SUCCEEDED
    assert [s.attempts for s in done.steps] == [1, 2]
    assert await log_rows(sheet) == ["one", "one and two"]
    assert announced.ended == [m.SUCCEEDED]


class Flaky(LocalActions):
    def __init__(self, airtable: Any, failures: list[grpc.StatusCode]) -> None:
        super().__init__(airtable)
        self.failures = failures

    async def create_records(self, who: Who, *args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        if self.failures:
            code = self.failures.pop(0)
            raise AioRpcError(code, Metadata(), Metadata(), f"{code.name.lower()} now", None)
        return await super().create_records(who, *args, **kwargs)


@pytest.mark.parametrize(
    ("failures", "status", "attempts"),
    [
        ([grpc.StatusCode.UNAVAILABLE] * 2, m.SUCCEEDED, 3),
        ([grpc.StatusCode.UNAVAILABLE] * 3, m.FAILED, 3),
        ([grpc.StatusCode.PERMISSION_DENIED], m.FAILED, 1),
    ],
)
async def test_steps_retry_what_a_retry_can_mend(
    stores: tuple[WorkflowStore, ExecutionStore],
    sheet: dict[str, Any],
    failures: list[grpc.StatusCode],
    status: str,
    attempts: int,
) -> None:
    store, runs = stores
    wf = await store.create(workflow(sheet["who"], [write(sheet, "w", "x")]), "", None)
    execution_id = await started(store, wf)
    await runner(runs, Flaky(sheet["airtable"], failures), "w", Announced()).run_next()
    done = await runs.get(wf.tenant_id, wf.id, execution_id)
    assert done is not None and done.status == status
    assert done.steps[0].attempts == attempts
    if status == m.FAILED:
        assert done.error.startswith("step 'w' failed: ") and len(done.steps[0].logs) == attempts


async def test_a_delay_parks_the_execution_until_its_time(
    stores: tuple[WorkflowStore, ExecutionStore], sheet: dict[str, Any], clock: FakeClock
) -> None:
    store, runs = stores
    steps = [
        m.StepSpec("wait", "delay", {"seconds": 60}),
        m.StepSpec("then", "log", {"message": "{{trigger.who}} waited"}),
    ]
    wf = await store.create(workflow(sheet["who"], steps), "", None)
    execution_id = await started(store, wf, {"who": "Ada"})
    worker = runner(runs, LocalActions(sheet["airtable"]), "w", Announced())
    assert await worker.run_next() is True
    parked = await runs.get(wf.tenant_id, wf.id, execution_id)
    assert parked is not None and parked.status == m.WAITING
    assert await worker.run_next() is False
    clock.advance(61)
    assert await worker.run_next() is True
    done = await runs.get(wf.tenant_id, wf.id, execution_id)
    assert done is not None and done.status == m.SUCCEEDED
    assert done.steps[1].logs == ["Ada waited"]


async def test_a_quote_of_nothing_fails_the_step_without_writing(
    stores: tuple[WorkflowStore, ExecutionStore], sheet: dict[str, Any]
) -> None:
    store, runs = stores
    wf = await store.create(
        workflow(sheet["who"], [write(sheet, "w", "{{trigger.nope}}")]), "", None
    )
    execution_id = await started(store, wf)
    actions = LocalActions(sheet["airtable"])
    await runner(runs, actions, "w", Announced()).run_next()
    done = await runs.get(wf.tenant_id, wf.id, execution_id)
    assert done is not None and done.status == m.FAILED
    assert "{{trigger.nope}} names nothing" in done.steps[0].error
    assert actions.calls == []
