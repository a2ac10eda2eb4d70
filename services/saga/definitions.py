"""What a saga type is: its steps, each an action with an optional compensation.

A step's action gets a StepContext and returns its result as a JSON-able dict; the engine
logs it. Returning `Skipped(...)` records the step as skipped with that result, for work
that cannot be done yet and must not pretend otherwise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from services.runtime.errors import Violations
from services.saga.model import Saga
from services.saga.participants import Participants

S = TypeVar("S")


class Skipped(dict[str, Any]):
    """A step result meaning "nothing was done", with the reason in it."""


@dataclass(frozen=True)
class StepContext:
    saga: Saga
    participants: Participants
    # The idempotency key of this step's call (or of its compensation): saga id + step.
    key: str
    # The results of the steps done before, by step name.
    results: dict[str, dict[str, Any]]

    @property
    def input(self) -> dict[str, Any]:
        return self.saga.input

    @property
    def timeout(self) -> float:
        return self.participants.call_timeout

    def stub(self, stub_class: type[S], service: str) -> S:
        return self.participants.stub(stub_class, service)

    async def auth(self) -> list[tuple[str, str]]:
        return await self.participants.metadata(self.saga.tenant_id)


Action = Callable[[StepContext], Awaitable[dict[str, Any]]]
Compensation = Callable[[StepContext, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class StepDef:
    name: str
    action: Action
    # Undoes the action given its result; None when there is nothing to undo.
    compensate: Compensation | None = None
    # True when the compensation needs only the step's key ({"request_id": key}), so a
    # lost reply is undone without replaying the action.
    undo_by_key: bool = False


@dataclass(frozen=True)
class SagaDef:
    name: str
    description: str
    steps: tuple[StepDef, ...]
    required_input: tuple[str, ...]
    # Adds a violation per bad input field ("input.<field>").
    check_input: Callable[[Violations, dict[str, Any]], None]
    # Steps of earlier versions of the type, whose work is now done elsewhere: a saga
    # started before an upgrade still lists them, and they run as "skipped", undo nothing.
    retired: frozenset[str] = frozenset()

    def step(self, name: str) -> StepDef:
        found = next((s for s in self.steps if s.name == name), None)
        if found is not None:
            return found
        if name in self.retired:
            return StepDef(name, _retired)
        raise KeyError(f"saga type {self.name} has no step {name}")


async def _retired(ctx: StepContext) -> dict[str, Any]:
    return Skipped(reason="this step's work is now done by another service")


def step_key(saga_id: str, step: str) -> str:
    """The idempotency key participants receive as request_id for a step's call."""
    return f"saga:{saga_id}:{step}"


def compensation_key(saga_id: str, step: str) -> str:
    return f"saga:{saga_id}:{step}:undo"
