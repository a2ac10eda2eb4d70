"""Starting executions from the event bus: record events and file uploads.

Each changed record of an event starts each matching workflow once: the execution's
request id is "event:<event id>:<record id>", unique per workflow, so an event delivered
twice starts nothing twice. An event caused by a step of an execution (its request id is
"wf:<execution>:<step>") never starts that execution's own workflow, and chains of
workflows starting workflows stop at MAX_CHAIN_DEPTH.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.json_format import MessageToDict
from tablemesh.events.v1.events_pb2 import ChangedRecord, Event

from services.automation.workflows import model as m
from services.automation.workflows.store import WorkflowStore, executions, start
from services.formula import EvaluationError, FormulaError, UnknownField, compile_formula
from services.runtime import logs
from services.runtime.structs import dict_of
from services.runtime.validation import is_uuid
from services.runtime.wakeups import Wakeups

RECORD_EVENTS = ("record.created", "record.updated")
FILE_EVENTS = ("file.uploaded",)
log = logs.get("workflows.triggers")


def _matches(wf: m.Workflow, fields: dict[str, Any]) -> bool:
    text = wf.trigger.settings.get("formula", "")
    if not text:
        return True
    try:
        formula = compile_formula(text, wf.trigger.settings.get("field_types") or {})
        return bool(formula.matches(fields))
    except (FormulaError, UnknownField, EvaluationError):
        return False  # the table changed under the formula: it matches nothing


def fires(wf: m.Workflow, event_type: str, record: ChangedRecord) -> bool:
    """Whether this change of this record starts the workflow."""
    s = wf.trigger.settings
    changes = set(s.get("changes", []))
    fields = dict_of(record.fields)
    now_matches = _matches(wf, fields)
    if event_type == "record.created":
        return bool(changes & {m.CREATED, m.MATCHED}) and now_matches
    if m.UPDATED in changes and now_matches:
        return True
    if m.MATCHED in changes and now_matches:
        before = dict_of(record.previous_fields) if record.HasField("previous_fields") else None
        return before is None or not _matches(wf, before)
    return False


def record_data(event: Event, record: ChangedRecord) -> dict[str, Any]:
    changed = event.records
    data: dict[str, Any] = {
        "event_type": event.type,
        "base_id": changed.base_id,
        "table_id": changed.table_id,
        "table_name": changed.table_name,
        "record_id": record.id,
        "fields": dict_of(record.fields),
        "changed_fields": list(record.changed_fields),
    }
    if record.HasField("previous_fields"):
        data["previous_fields"] = MessageToDict(record.previous_fields)
    return data


class RecordTriggers:
    """The subscription handler for record.created and record.updated."""

    def __init__(self, store: WorkflowStore, wake: Wakeups) -> None:
        self.store = store
        self.wake = wake

    async def _cause(self, event: Event) -> tuple[str, int]:
        """The workflow whose execution caused the event, and that execution's depth."""
        if not event.request_id.startswith("wf:"):
            return "", 0
        execution_id = event.request_id.split(":")[1]
        if not is_uuid(execution_id):
            return "", 0
        query = executions.select().where(executions.c.id == execution_id)
        async with self.store.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return (row.workflow_id, row.depth + 1) if row else ("", 0)

    async def __call__(self, event: Event) -> None:
        changed = event.records
        candidates = [
            wf
            for wf in await self.store.with_trigger(event.tenant_id, m.RECORD)
            if wf.trigger.settings.get("base_id") == changed.base_id
            and wf.trigger.settings.get("table_id") == changed.table_id
        ]
        if not candidates:
            return
        cause, depth = await self._cause(event)
        started = 0
        async with self.store.engine.begin() as conn:
            for wf in candidates:
                if wf.id == cause or depth > m.MAX_CHAIN_DEPTH:
                    log.warning(
                        "a workflow's own write did not start it again"
                        if wf.id == cause
                        else "workflow chain too deep: not started",
                        workflow_id=wf.id,
                        depth=depth,
                    )
                    continue
                for record in changed.records:
                    if fires(wf, event.type, record):
                        request_id = f"event:{event.id}:{record.id}"
                        data = record_data(event, record)
                        _, new = await start(conn, wf, m.RECORD, data, request_id, depth)
                        started += new
        if started:
            self.wake.set()


def file_matches(wf: m.Workflow, data: dict[str, Any]) -> bool:
    """Whether an uploaded file passes the trigger's filters (empty filters pass all)."""
    s = wf.trigger.settings
    extensions, types = s.get("extensions") or [], s.get("content_types") or []
    max_size = int(s.get("max_size_bytes") or 0)
    return (
        (not extensions or data["extension"] in extensions)
        and (not types or data["content_type"] in types)
        and (not max_size or data["size_bytes"] <= max_size)
    )


class FileTriggers:
    """The subscription handler for file.uploaded: each matching workflow starts once."""

    def __init__(self, store: WorkflowStore, wake: Wakeups) -> None:
        self.store = store
        self.wake = wake

    async def __call__(self, event: Event) -> None:
        f = event.file
        data: dict[str, Any] = {
            "file_id": f.file_id,
            "name": f.name,
            "extension": f.extension,
            "content_type": f.content_type,
            "size_bytes": f.size_bytes,
            "sha256": f.sha256,
        }
        started = 0
        async with self.store.engine.begin() as conn:
            for wf in await self.store.with_trigger(event.tenant_id, m.FILE_UPLOADED):
                if file_matches(wf, data):
                    _, new = await start(conn, wf, m.FILE_UPLOADED, data, f"event:{event.id}")
                    started += new
        if started:
            self.wake.set()


class Triggers:
    """The one handler of the workflows group: record events and file uploads."""

    TYPES = RECORD_EVENTS + FILE_EVENTS

    def __init__(self, store: WorkflowStore, wake: Wakeups) -> None:
        self.records = RecordTriggers(store, wake)
        self.files = FileTriggers(store, wake)

    async def __call__(self, event: Event) -> None:
        if event.type in FILE_EVENTS:
            await self.files(event)
        elif event.type in RECORD_EVENTS:
            await self.records(event)
