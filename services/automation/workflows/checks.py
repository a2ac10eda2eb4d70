"""What makes a workflow definition acceptable, checked before anything is stored.

Every problem is collected as a field violation (the field path as the API names it), so a
client sees all of them at once. Formulas are parsed here: a bad condition or record
filter is refused at creation, not found at run time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

from services.automation.workflows import model as m
from services.formula import FormulaError, UnknownField, compile_formula
from services.runtime.errors import Violations
from services.runtime.validation import is_uuid

NAME_MAX = 100
DESCRIPTION_MAX = 1000
CONFIG_MAX_BYTES = 64 * 1024
MAX_DELAY_SECONDS = 86_400
BASE_ID = re.compile(r"^app[A-Za-z0-9]{14}$")
TABLE_ID = re.compile(r"^tbl[A-Za-z0-9]{14}$")
RECORD_QUOTE = re.compile(r"^(rec[A-Za-z0-9]{14}|\{\{.+\}\})$")
QUOTE_ONLY = re.compile(r"^\{\{.+\}\}$")
# The fields a file trigger's data has, for its steps' conditions.
TEXT = "singleLineText"
FILE_FIELDS = {
    "name": TEXT, "extension": TEXT, "content_type": TEXT, "size_bytes": "number", "file_id": TEXT
}  # fmt: skip


class AnyFields(Mapping[str, str]):
    """Field types for a formula over data whose fields are not known in advance (a
    manual trigger's input): every name is taken, as text."""

    def __getitem__(self, name: str) -> str:
        return "singleLineText"

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def check_formula(v: Violations, where: str, text: str, fields: Mapping[str, str]) -> None:
    if not text.strip():
        v.add(where, "is required")
        return
    try:
        compile_formula(text, fields)
    except (FormulaError, UnknownField) as exc:
        v.add(where, str(exc))


def check_cron(v: Violations, where: str, settings: dict[str, Any]) -> None:
    zone = settings.get("time_zone") or "UTC"
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        v.add(f"{where}.time_zone", f"unknown time zone {zone[:60]!r}")
        tz = ZoneInfo("UTC")
    cron = settings.get("cron", "")
    if not cron.strip():
        v.add(f"{where}.cron", "is required")
        return
    if len(cron.split()) != 5:
        v.add(f"{where}.cron", "must have five fields: minute hour day month weekday")
        return
    try:
        next(CronSim(cron, datetime.now(UTC).astimezone(tz)))
    except (CronSimError, StopIteration) as exc:
        v.add(f"{where}.cron", f"is not a valid cron expression: {exc}")


def check_trigger(v: Violations, trigger: m.Trigger, table_fields: Mapping[str, str]) -> None:
    where, s = "workflow.trigger", trigger.settings
    if trigger.kind not in m.TRIGGER_KINDS:
        v.add(where, "must set one of manual, schedule, file_uploaded, record")
    elif trigger.kind == m.SCHEDULE:
        check_cron(v, f"{where}.schedule", s)
    elif trigger.kind == m.FILE_UPLOADED:
        if s.get("max_size_bytes", 0) < 0:
            v.add(f"{where}.file_uploaded.max_size_bytes", "must not be negative")
    elif trigger.kind == m.RECORD:
        rec = f"{where}.record"
        if not BASE_ID.match(s.get("base_id", "")):
            v.add(f"{rec}.base_id", "must be a base id like appXXXXXXXXXXXXXX")
        if not TABLE_ID.match(s.get("table_id", "")):
            v.add(f"{rec}.table_id", "must be a table id like tblXXXXXXXXXXXXXX")
        changes = s.get("changes", [])
        if not changes:
            v.add(f"{rec}.changes", "must name at least one change")
        elif any(c not in (m.CREATED, m.UPDATED, m.MATCHED) for c in changes):
            v.add(f"{rec}.changes", "each must be CREATED, UPDATED or MATCHED")
        if m.MATCHED in changes or s.get("formula"):
            check_formula(v, f"{rec}.formula", s.get("formula", ""), table_fields)


def condition_fields(trigger: m.Trigger, table_fields: Mapping[str, str]) -> Mapping[str, str]:
    """The fields a condition step's formula may name: the trigger's data's."""
    if trigger.kind == m.RECORD:
        return table_fields
    if trigger.kind == m.FILE_UPLOADED:
        return FILE_FIELDS
    return AnyFields()


def check_step(
    v: Violations, i: int, step: m.StepSpec, trigger: m.Trigger, table_fields: Mapping[str, str]
) -> None:
    where, c = f"workflow.steps[{i}]", step.config
    if not step.name.strip() or len(step.name) > NAME_MAX:
        v.add(f"{where}.name", f"is required, at most {NAME_MAX} characters")
    if step.type not in m.STEP_TYPES:
        v.add(
            f"{where}.type",
            f"unknown step type {step.type[:40]!r}; one of {', '.join(m.STEP_TYPES)}",
        )
        return
    if len(json.dumps(c)) > CONFIG_MAX_BYTES:
        v.add(f"{where}.config", f"must be at most {CONFIG_MAX_BYTES} bytes as JSON")
    if not 1 <= step.timeout_seconds <= m.MAX_TIMEOUT:
        v.add(f"{where}.timeout_seconds", f"must be between 1 and {m.MAX_TIMEOUT}")
    if not 1 <= step.max_attempts <= m.MAX_ATTEMPTS:
        v.add(f"{where}.max_attempts", f"must be between 1 and {m.MAX_ATTEMPTS}")
    cfg = f"{where}.config"
    if step.type == "log" and not isinstance(c.get("message"), str):
        v.add(f"{cfg}.message", "is required (text)")
    elif step.type == "delay":
        seconds = c.get("seconds")
        if not isinstance(seconds, int | float) or not 1 <= seconds <= MAX_DELAY_SECONDS:
            v.add(f"{cfg}.seconds", f"must be a number of seconds from 1 to {MAX_DELAY_SECONDS}")
    elif step.type == "condition":
        check_formula(
            v, f"{cfg}.formula", str(c.get("formula", "")), condition_fields(trigger, table_fields)
        )
    elif step.type == "notify":
        for key in ("title", "body"):
            if not isinstance(c.get(key), str) or not c[key].strip():
                v.add(f"{cfg}.{key}", "is required (text)")
        user = str(c.get("user_id") or "")
        if user and not (is_uuid(user) or QUOTE_ONLY.match(user)):
            v.add(f"{cfg}.user_id", "must be a user's id (a UUID), or empty for the creator")
    elif step.type in ("create_records", "update_records"):
        check_write(v, cfg, step.type, c)
    elif step.type in ("process_file", "import_rows"):
        check_file_step(v, cfg, step.type, c)


def check_file_step(v: Violations, where: str, type_: str, c: dict[str, Any]) -> None:
    file_id = str(c.get("file_id") or "")
    if not (is_uuid(file_id) or QUOTE_ONLY.match(file_id)):
        v.add(f"{where}.file_id", "must be a file's id, or a quote such as {{trigger.file_id}}")
    if type_ != "import_rows":
        return
    if not BASE_ID.match(str(c.get("base_id", ""))):
        v.add(f"{where}.base_id", "must be a base id like appXXXXXXXXXXXXXX")
    table, new = str(c.get("table_id") or ""), str(c.get("new_table") or "")
    if bool(table.strip()) == bool(new.strip()):
        v.add(f"{where}.table_id", "name either a table (table_id) or a new one (new_table)")
    elif len(new) > NAME_MAX:
        v.add(f"{where}.new_table", f"must be at most {NAME_MAX} characters")


def check_write(v: Violations, where: str, type_: str, c: dict[str, Any]) -> None:
    if not BASE_ID.match(str(c.get("base_id", ""))):
        v.add(f"{where}.base_id", "must be a base id like appXXXXXXXXXXXXXX")
    if not isinstance(c.get("table_id"), str) or not c["table_id"].strip():
        v.add(f"{where}.table_id", "is required (a table's id or name)")
    records = c.get("records")
    if not isinstance(records, list) or not 1 <= len(records) <= 10:
        v.add(f"{where}.records", "must list 1 to 10 records")
        return
    for j, record in enumerate(records):
        if not isinstance(record, dict):
            v.add(f"{where}.records[{j}]", "must be an object")
        elif type_ == "update_records" and not (
            RECORD_QUOTE.match(str(record.get("id", ""))) and isinstance(record.get("fields"), dict)
        ):
            v.add(f"{where}.records[{j}]", 'must be {"id": "rec...", "fields": {...}}')


def writes_own_trigger(trigger: m.Trigger, steps: list[m.StepSpec]) -> str:
    """The name of a step that writes to the table whose changes start the workflow (it
    would start itself, forever), or ""."""
    if trigger.kind != m.RECORD:
        return ""
    s = trigger.settings
    for step in steps:
        if step.type not in m.WRITING_STEPS:
            continue
        c = step.config
        same_table = c.get("base_id") == s.get("base_id") and c.get("table_id") == s.get("table_id")
        started_by = (
            {m.CREATED, m.MATCHED} if step.type == "create_records" else {m.UPDATED, m.MATCHED}
        )
        fires = bool(started_by & set(s.get("changes", [])))
        if same_table and fires:
            return step.name
    return ""


def check_workflow(wf: m.Workflow, table_fields: Mapping[str, str]) -> None:
    """Raises InvalidArgument listing every problem of the definition."""
    v = Violations()
    if not wf.name.strip() or len(wf.name) > NAME_MAX:
        v.add("workflow.name", f"is required, at most {NAME_MAX} characters")
    if len(wf.description) > DESCRIPTION_MAX:
        v.add("workflow.description", f"must be at most {DESCRIPTION_MAX} characters")
    check_trigger(v, wf.trigger, table_fields)
    if not 1 <= len(wf.steps) <= m.MAX_STEPS:
        v.add("workflow.steps", f"must hold 1 to {m.MAX_STEPS} steps")
    names = [s.name for s in wf.steps]
    for i, step in enumerate(wf.steps):
        check_step(v, i, step, wf.trigger, table_fields)
        if step.name in names[:i]:
            v.add(f"workflow.steps[{i}].name", f"{step.name!r} is used twice")
    looping = writes_own_trigger(wf.trigger, wf.steps)
    if looping:
        v.add(
            "workflow.steps",
            f"step {looping!r} writes to the table that triggers the workflow:"
            " it would trigger itself",
        )
    v.raise_if_any()
