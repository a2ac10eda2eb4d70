"""What each step type does. Plain Python over an `Actions` interface (the mesh calls a
step makes), so the runner and the steps are tested without gRPC.

Every write carries a request id derived from the execution and the step, so a step that
runs again (a retried attempt, a resumed or retried execution) writes nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from services.automation.workflows import model as m
from services.formula import EvaluationError, FormulaError, UnknownField, compile_formula
from services.runtime import clock


class StepFailed(Exception):
    """A step's failure that retrying will not mend (bad data, a refusal)."""


class Actions(Protocol):
    """The mesh calls steps make, as the workflow's creator (see mesh_actions.py)."""

    async def create_records(
        self, who: Who, base_id: str, table_id: str, records: list[dict[str, Any]],
        typecast: bool, request_id: str,
    ) -> list[dict[str, Any]]: ...  # fmt: skip

    async def update_records(
        self, who: Who, base_id: str, table_id: str, records: list[dict[str, Any]], typecast: bool
    ) -> list[dict[str, Any]]: ...

    async def notify(
        self, who: Who, user_id: str, title: str, body: str, request_id: str
    ) -> str: ...


@dataclass(frozen=True)
class Who:
    """Whom a step acts for: the workflow's creator, in the workflow's tenant."""

    tenant_id: str
    user_id: str


@dataclass
class Outcome:
    output: dict[str, Any] = field(default_factory=dict)
    # Set by a delay step that must wait: the execution sleeps until then.
    wait_until: datetime | None = None
    # Set by a condition that was false: the execution ends here, successfully.
    stop: bool = False


@dataclass
class StepCall:
    execution: m.Execution
    index: int
    config: dict[str, Any]
    who: Who
    logs: list[str]
    # The types of the trigger table's fields (record triggers), for conditions.
    known_types: dict[str, str] = field(default_factory=dict)

    @property
    def request_id(self) -> str:
        return f"wf:{self.execution.id}:{self.index}"

    @property
    def earlier_output(self) -> dict[str, Any]:
        return self.execution.steps[self.index].output


def condition_data(execution: m.Execution) -> dict[str, Any]:
    """What a condition's formula reads: a record's fields, else the trigger's data."""
    data = execution.trigger_data
    fields = data.get("fields")
    return dict(fields) if isinstance(fields, dict) else dict(data)


def field_types(values: dict[str, Any]) -> dict[str, str]:
    def kind(v: Any) -> str:
        if isinstance(v, bool):
            return "checkbox"
        return "number" if isinstance(v, int | float) else "singleLineText"

    return {k: kind(v) for k, v in values.items()}


async def run_step(step: m.StepSpec, call: StepCall, actions: Actions) -> Outcome:
    c = call.config
    if step.type == "log":
        call.logs.append(str(c["message"]))
        return Outcome({"message": c["message"]})
    if step.type == "delay":
        until_text = call.earlier_output.get("until")
        until = datetime.fromisoformat(until_text) if until_text else None
        if until is None:
            until = clock.now() + timedelta(seconds=float(c["seconds"]))
        if clock.now() < until:
            return Outcome({"until": until.isoformat()}, wait_until=until)
        return Outcome({"until": until.isoformat()})
    if step.type == "condition":
        values = condition_data(call.execution)
        try:
            types = {**field_types(values), **call.known_types}
            formula = compile_formula(str(c["formula"]), types)
            result = bool(formula.matches(values))
        except (FormulaError, UnknownField, EvaluationError) as exc:
            raise StepFailed(f"the condition could not be evaluated: {exc}") from exc
        call.logs.append(f"condition {c['formula']!r} is {'true' if result else 'false'}")
        return Outcome({"result": result}, stop=not result)
    if step.type == "create_records":
        created = await actions.create_records(
            call.who, str(c["base_id"]), str(c["table_id"]), list(c["records"]),
            bool(c.get("typecast", False)), call.request_id,
        )  # fmt: skip
        return Outcome({"records": created})
    if step.type == "update_records":
        updated = await actions.update_records(
            call.who, str(c["base_id"]), str(c["table_id"]), list(c["records"]),
            bool(c.get("typecast", False)),
        )  # fmt: skip
        return Outcome({"records": updated})
    if step.type == "notify":
        recipient = str(c.get("user_id") or call.who.user_id)
        sent = await actions.notify(
            call.who, recipient, str(c["title"]), str(c["body"]), call.request_id
        )
        return Outcome({"notification_id": sent, "user_id": recipient})
    raise StepFailed(f"unknown step type {step.type!r}")
