"""Workflow definitions that are refused, each naming the field and what is wrong."""

from __future__ import annotations

import pytest

from services.automation.workflows import model as m
from services.automation.workflows.checks import check_workflow
from services.automation.workflows.step_call import Who
from services.runtime.errors import InvalidArgument
from tests.automation.conftest import workflow

BASE, TABLE = "app" + "A" * 14, "tbl" + "B" * 14


def refused(wf: m.Workflow) -> list[tuple[str, str]]:
    with pytest.raises(InvalidArgument) as err:
        check_workflow(wf, {"Score": "number"})
    return list(err.value.violations)


def step(type_: str, **config: object) -> m.StepSpec:
    return m.StepSpec("s", type_, dict(config))


@pytest.mark.parametrize(
    ("steps", "field", "words"),
    [
        ([step("notify", title="t", body="b", user_id="../admin")], "config.user_id", "UUID"),
        ([step("notify", title="", body="b")], "config.title", "required"),
        ([step("delay", seconds=0)], "config.seconds", "from 1"),
        ([step("delay", seconds=86_401)], "config.seconds", "from 1"),
        ([step("log")], "config.message", "required"),
        (
            [step("create_records", base_id=BASE, table_id="T", records=[])],
            "config.records",
            "1 to 10",
        ),
        (
            [step("create_records", base_id=BASE, table_id="T", records=[{}] * 11)],
            "config.records",
            "1 to 10",
        ),
        (
            [
                step(
                    "update_records",
                    base_id=BASE,
                    table_id="T",
                    records=[{"id": "x", "fields": {}}],
                )
            ],
            "config.records[0]",
            "rec",
        ),
        (
            [step("create_records", base_id="nope", table_id="T", records=[{}])],
            "config.base_id",
            "base id",
        ),
        (
            [m.StepSpec("s", "log", {"message": "x"}, timeout_seconds=301)],
            "timeout_seconds",
            "between 1 and 300",
        ),
        (
            [m.StepSpec("s", "log", {"message": "x"}, max_attempts=0)],
            "max_attempts",
            "between 1 and 10",
        ),
    ],
)
def test_a_bad_step_is_named(steps: list[m.StepSpec], field: str, words: str) -> None:
    violations = refused(workflow(Who("t", "u"), steps))
    assert any(f == f"workflow.steps[0].{field}" and words in d for f, d in violations), violations


def test_names_are_required_and_unique_and_steps_bounded() -> None:
    log = m.StepSpec("same", "log", {"message": "x"})
    wf = workflow(Who("t", "u"), [log, log])
    wf.name = ""
    fields = [f for f, _ in refused(wf)]
    assert fields == ["workflow.name", "workflow.steps[1].name"]
    assert [f for f, _ in refused(workflow(Who("t", "u"), [log] * 21))][0] == "workflow.steps"
    assert [f for f, _ in refused(workflow(Who("t", "u"), []))] == ["workflow.steps"]


def test_a_record_trigger_needs_known_changes_and_ids() -> None:
    settings = {"base_id": "x", "table_id": TABLE, "changes": ["unspecified"], "formula": ""}
    trigger = m.Trigger(m.RECORD, settings)
    fields = [f for f, _ in refused(workflow(Who("t", "u"), [step("log", message="x")], trigger))]
    assert fields == ["workflow.trigger.record.base_id", "workflow.trigger.record.changes"]
