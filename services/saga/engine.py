"""Drives one saga through its steps, or back through its compensations.

The log is written before each call ("running" with the attempt number) and after it
("done" with the result, or "failed"), so a restarted orchestrator knows exactly where it
was. A step left "running" by a crash is called again with the same idempotency key; the
participant answers with what it did the first time. Every write is fenced by the lease
(store.LeaseLost stops this process from touching a saga another process took over).
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Any

import grpc

from services.runtime import logs
from services.runtime.failures import RETRYABLE_CODES
from services.saga import model as m
from services.saga.definitions import (
    SagaDef,
    Skipped,
    StepContext,
    StepDef,
    compensation_key,
    step_key,
)
from services.saga.participants import Participants
from services.saga.store import SagaStore, now

# A participant that could not be reached, or did not answer in time: the runtime's rule.
RETRYABLE = RETRYABLE_CODES
# Failures after which the participant may have done its part: a lost reply (RETRYABLE),
# or an error of its own partway (INTERNAL, UNKNOWN). Such a step is compensated; only the
# RETRYABLE ones are also retried (an error of the participant's own is not transient).
AMBIGUOUS = (*RETRYABLE, grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN)
CANCELLED_ERROR = "cancelled on request"
log = logs.get("saga.engine")


@dataclass(frozen=True)
class Policy:
    step_attempts: int = 5
    compensation_attempts: int = 10
    base_delay: float = 0.2
    max_delay: float = 5.0

    def delay(self, attempt: int) -> float:
        bound = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return bound / 2 + random.uniform(0, bound / 2)


def describe(exc: BaseException) -> str:
    """The error as the saga records it (GetSaga shows it): a participant's own answer, or
    no more than "internal error" for an exception here (the log has the rest)."""
    if isinstance(exc, grpc.aio.AioRpcError):
        return f"{exc.code().name}: {exc.details()}"
    log.error("saga step raised", exc_info=exc)
    return "INTERNAL: internal error in the saga service (see its log)"


class Engine:
    def __init__(
        self,
        store: SagaStore,
        participants: Participants,
        types: dict[str, SagaDef],
        owner: str,
        policy: Policy,
    ) -> None:
        self.store = store
        self.participants = participants
        self.types = types
        self.owner = owner
        self.policy = policy

    def _ctx(self, saga: m.Saga, key: str) -> StepContext:
        results = {s.name: s.result for s in saga.steps if s.result is not None}
        return StepContext(saga, self.participants, key, results)

    async def drive(self, saga_id: str) -> None:
        """Runs the saga to a final state (or until this process loses its lease)."""
        saga = await self.store.get(saga_id)
        if saga is None or saga.finished:
            return
        definition = self.types[saga.type]
        if saga.state == m.RUNNING and await self._forward(saga, definition):
            await self.store.write_saga(saga.id, self.owner, state=m.COMPLETED)
            log.info("saga completed", saga_id=saga.id, type=saga.type)
            return
        await self._backward(saga, definition)

    async def _write(self, saga: m.Saga, step: m.Step, **values: Any) -> bool:
        for name, value in values.items():
            setattr(step, name, value)
        return await self.store.write_step(saga.id, self.owner, step.position, **values)

    async def _fail(self, saga: m.Saga, error: str) -> None:
        saga.state, saga.error = m.COMPENSATING, error
        await self.store.write_saga(saga.id, self.owner, state=m.COMPENSATING, error=error)

    async def _forward(self, saga: m.Saga, definition: SagaDef) -> bool:
        """True when every step is done; False when the saga must be compensated."""
        for step in saga.steps:
            if step.state in (m.DONE, m.SKIPPED):
                continue
            if step.state != m.PENDING and step.state != m.STEP_RUNNING:
                await self._fail(saga, saga.error or f"step {step.name} failed")
                return False
            if not await self._run_step(saga, step, definition.step(step.name)):
                return False
        return True

    async def _run_step(self, saga: m.Saga, step: m.Step, sdef: StepDef) -> bool:
        while True:
            called_before = step.attempts
            cancel = await self._write(
                saga,
                step,
                state=m.STEP_RUNNING,
                attempts=called_before + 1,
                started_at=step.started_at or now(),
            )
            if cancel:
                # Not called this time; an earlier attempt may still have taken effect.
                state = m.FAILED if called_before else m.PENDING
                await self._write(
                    saga,
                    step,
                    state=state,
                    attempts=called_before,
                    ambiguous=bool(called_before),
                    error=CANCELLED_ERROR,
                )
                await self._fail(saga, CANCELLED_ERROR)
                return False
            try:
                result = await sdef.action(self._ctx(saga, step_key(saga.id, step.name)))
            except Exception as exc:  # noqa: BLE001 - every failure is logged and decided on
                code = exc.code() if isinstance(exc, grpc.aio.AioRpcError) else None
                error = describe(exc)
                if code == grpc.StatusCode.UNAUTHENTICATED:
                    self.participants.forget(saga.tenant_id)
                ambiguous = code in AMBIGUOUS
                if code in RETRYABLE and step.attempts < self.policy.step_attempts:
                    await self._write(saga, step, error=error, ambiguous=True)
                    await asyncio.sleep(self.policy.delay(step.attempts))
                    continue
                await self._write(
                    saga,
                    step,
                    state=m.FAILED,
                    error=error,
                    ambiguous=ambiguous,
                    finished_at=now(),
                )
                log.warning("step failed for good", saga_id=saga.id, step=step.name, error=error)
                await self._fail(saga, f"step {step.name} failed: {error}")
                return False
            state = m.SKIPPED if isinstance(result, Skipped) else m.DONE
            await self._write(
                saga,
                step,
                state=state,
                result=dict(result),
                error="",
                ambiguous=False,
                finished_at=now(),
            )
            return True

    def _needs_undo(self, step: m.Step, sdef: StepDef) -> bool:
        if sdef.compensate is None:
            return False
        if step.state in (m.DONE, m.STEP_COMPENSATING, m.STEP_NEEDS_ATTENTION):
            return True
        # A failure that may have taken effect (a deadline, a lost reply) is undone too.
        return step.state in (m.FAILED, m.STEP_RUNNING) and step.ambiguous

    async def _backward(self, saga: m.Saga, definition: SagaDef) -> None:
        if saga.state != m.COMPENSATING:
            await self._fail(saga, saga.error or "compensating")
        for step in reversed(saga.steps):
            sdef = definition.step(step.name)
            if self._needs_undo(step, sdef) and not await self._undo(saga, step, sdef):
                return
        final = m.CANCELLED if saga.error == CANCELLED_ERROR else m.COMPENSATED
        await self.store.write_saga(saga.id, self.owner, state=final)
        log.info("saga compensated", saga_id=saga.id, type=saga.type, state=final)

    async def _undo(self, saga: m.Saga, step: m.Step, sdef: StepDef) -> bool:
        """Compensates one step; False when it was parked for an operator."""
        assert sdef.compensate is not None
        while True:
            attempt = step.compensation_attempts + 1
            ctx_key = step_key(saga.id, step.name)
            await self._write(saga, step, state=m.STEP_COMPENSATING, compensation_attempts=attempt)
            try:
                if step.result is None and sdef.undo_by_key:
                    await self._write(saga, step, result={"request_id": ctx_key})
                elif step.result is None:
                    # The call's reply was lost: replaying it with the same key returns
                    # what it made (or makes it now), so the compensation knows its ids.
                    replayed = await sdef.action(self._ctx(saga, step_key(saga.id, step.name)))
                    await self._write(saga, step, result=dict(replayed))
                assert step.result is not None
                ctx = self._ctx(saga, compensation_key(saga.id, step.name))
                await sdef.compensate(ctx, step.result)
            except Exception as exc:  # noqa: BLE001 - decided on below
                code = exc.code() if isinstance(exc, grpc.aio.AioRpcError) else None
                error = describe(exc)
                if code == grpc.StatusCode.NOT_FOUND or (
                    step.result is None and code is not None and code not in AMBIGUOUS
                ):
                    pass  # already gone, or the lost call never made anything
                elif attempt >= self.policy.compensation_attempts:
                    await self._write(saga, step, state=m.STEP_NEEDS_ATTENTION, error=error)
                    await self.store.write_saga(
                        saga.id,
                        self.owner,
                        state=m.NEEDS_ATTENTION,
                        error=f"compensation of {step.name} keeps failing: {error}",
                    )
                    log.error("saga needs attention", saga_id=saga.id, step=step.name)
                    return False
                else:
                    await self._write(saga, step, error=error)
                    await asyncio.sleep(self.policy.delay(attempt))
                    continue
            await self._write(saga, step, state=m.STEP_COMPENSATED)
            return True
