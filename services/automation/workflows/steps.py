"""What each step type does. Plain Python over an `Actions` interface (the mesh calls a
step makes), so the runner and the steps are tested without gRPC.

Every write carries a request id derived from the execution and the step, so a step that
runs again (a retried attempt, a resumed or retried execution) writes nothing twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from services.automation.workflows import file_steps
from services.automation.workflows import model as m
from services.automation.workflows.step_call import Actions, Outcome, StepCall, StepFailed
from services.formula import EvaluationError, FormulaError, UnknownField, compile_formula
from services.runtime import clock


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
    if step.type == "process_file":
        return await file_steps.process_file(call, actions)
    if step.type == "import_rows":
        return await file_steps.import_rows(call, actions)
    raise StepFailed(f"unknown step type {step.type!r}")
