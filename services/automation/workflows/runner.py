"""Runs executions: claims one, runs its steps in order, and writes down each step before
and after it runs, so a worker that dies mid-step leaves a record another worker resumes
from (the step runs again with the same request id, and writes nothing twice).

A step's attempt that fails in a way a retry can mend (the service it calls is away or
slow) is retried with exponential back-off up to the step's max_attempts; a refusal or bad
data fails the step at once. A failed step ends the execution unless it is marked
continue_on_error. A delay step parks the execution (WAITING) until its time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import structlog

from services.automation.workflows import model as m
from services.automation.workflows.execution_store import ExecutionStore
from services.automation.workflows.quotes import QuoteError, fill
from services.automation.workflows.step_call import Actions, Outcome, StepCall, StepFailed, Who
from services.automation.workflows.steps import run_step
from services.automation.workflows.store import row_to_workflow
from services.runtime import background, clock, logs
from services.runtime.wakeups import Wakeups

RETRYABLE = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.ABORTED,
}
log = logs.get("workflows.runner")
# Called with an execution that ended (to announce it).
Finished = Callable[[m.Execution, m.Workflow], Awaitable[None]]


class LostLease(Exception):
    """Another worker took the execution over: this one stops touching it."""


def _failure(exc: BaseException) -> tuple[str, bool]:
    """What went wrong, for people, and whether another attempt may mend it."""
    if isinstance(exc, grpc.aio.AioRpcError):
        return exc.details() or exc.code().name, exc.code() in RETRYABLE
    if isinstance(exc, TimeoutError):
        return "the step took longer than its timeout", True
    if isinstance(exc, StepFailed | QuoteError):
        return str(exc), False
    log.exception("step failed unexpectedly")  # a bug, not a refusal: keep its traceback
    return "the step failed unexpectedly", False


class Runner:
    def __init__(
        self,
        store: ExecutionStore,
        actions: Actions,
        owner: str,
        lease_seconds: float,
        retry_delay: float,
        finished: Finished,
    ) -> None:
        self.store = store
        self.actions = actions
        self.owner = owner
        self.lease_seconds = lease_seconds
        self.retry_delay = retry_delay
        self.finished = finished

    async def run_next(self) -> bool:
        """Claims and runs one due execution; False when none was due."""
        execution = await self.store.claim(self.owner, self.lease_seconds)
        if execution is None:
            return False
        row = await self.store.workflow_of(execution)
        if row is None:
            return True  # deleted meanwhile: its executions went with it
        wf = row_to_workflow(row)
        renewal = asyncio.create_task(
            background.keep_renewed(
                lambda: self.store.renew(execution.id, self.owner, self.lease_seconds),
                self.lease_seconds / 3,
                f"execution {execution.id}'s lease",
            )
        )
        structlog.contextvars.bind_contextvars(tenant_id=execution.tenant_id)
        try:
            await self.run(execution, wf)
        except LostLease:
            log.warning("execution taken over by another worker", execution_id=execution.id)
        finally:
            await background.stop(renewal)
        return True

    async def _save(self, execution: m.Execution, due_at: Any = None) -> None:
        if not await self.store.save(execution, self.owner, due_at):
            raise LostLease(execution.id)

    async def run(self, execution: m.Execution, wf: m.Workflow) -> None:
        if len(execution.steps) != len(wf.steps):  # the workflow changed since it queued
            execution.steps = m.fresh_steps(wf.steps)
        who = Who(execution.tenant_id, wf.creator_user_id)
        for index, step in enumerate(wf.steps):
            record = execution.steps[index]
            if record.status in (m.SUCCEEDED, m.SKIPPED) or (
                record.status == m.FAILED and step.continue_on_error
            ):
                continue
            outcome = await self._run_step(execution, wf, index, who)
            if outcome is None:
                if step.continue_on_error:
                    continue
                execution.status = m.FAILED
                execution.error = f"step {step.name!r} failed: {record.error}"
                return await self._end(execution, wf)
            if outcome.wait_until is not None:
                execution.status = m.WAITING
                return await self._save(execution, due_at=outcome.wait_until)
            if outcome.stop:
                for later in execution.steps[index + 1 :]:
                    later.status = m.SKIPPED
                break
        execution.status = m.SUCCEEDED
        await self._end(execution, wf)

    async def _end(self, execution: m.Execution, wf: m.Workflow) -> None:
        await self._save(execution)
        log.info("execution ended", execution_id=execution.id, status=execution.status)
        await self.finished(execution, wf)

    async def _run_step(
        self, execution: m.Execution, wf: m.Workflow, index: int, who: Who
    ) -> Outcome | None:
        """Runs one step, recording it; None when it failed."""
        record, step = execution.steps[index], wf.steps[index]
        record.status, record.error = m.RUNNING, ""
        record.started_at = record.started_at or clock.now().isoformat()
        started = clock.monotonic()
        outcome: Outcome | None = None
        # The request id the step's calls carry: events they cause name this execution.
        call_id = f"wf:{execution.id}:{index}"
        with structlog.contextvars.bound_contextvars(request_id=call_id):
            while outcome is None:
                record.attempts += 1
                await self._save(execution)  # each attempt is written before it acts
                try:
                    config = fill(step.config, execution.data())
                    record.input = config
                    types = dict(wf.trigger.settings.get("field_types") or {})
                    call = StepCall(execution, index, config, who, record.logs, types)
                    outcome = await asyncio.wait_for(
                        run_step(step, call, self.actions), step.timeout_seconds
                    )
                except Exception as exc:  # noqa: BLE001 - recorded on the step, never lost
                    message, retryable = _failure(exc)
                    record.logs.append(f"attempt {record.attempts}: {message}")
                    if not retryable or record.attempts >= step.max_attempts:
                        record.status, record.error = m.FAILED, message
                        break
                    await asyncio.sleep(self.retry_delay * 2 ** (record.attempts - 1))
        record.duration_ms += (clock.monotonic() - started) * 1000
        if outcome is not None:
            record.output = outcome.output
            if outcome.wait_until is None:
                record.status = m.SUCCEEDED
        record.ended_at = clock.now().isoformat() if record.status != m.RUNNING else ""
        if outcome is None or outcome.wait_until is None:
            await self._save(execution)
        return outcome


async def run_workers(runners: list[Runner], wake: Wakeups) -> None:
    """Each runner runs due executions until none is due, then waits for a hint (a trigger
    in this process, or the process's poll); a runner that found one wakes another."""

    async def one(runner: Runner) -> None:
        while True:
            try:
                if await runner.run_next():
                    wake.set()
                    while await runner.run_next():
                        pass
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - PostgreSQL briefly away
                log.warning("running executions failed; retrying", error=str(exc))
            await wake.wait()

    await asyncio.gather(*(one(r) for r in runners))
