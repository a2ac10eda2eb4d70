"""Which record changes start a record-triggered workflow (Airtable's "when a record is
created", "updated" and "matches conditions"), and which uploads a file-triggered one."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from tablemesh.events.v1.events_pb2 import ChangedRecord, FileUploaded

from services.automation.workflows import model as m
from services.automation.workflows.execution_store import ExecutionStore
from services.automation.workflows.step_call import Who
from services.automation.workflows.store import WorkflowStore
from services.automation.workflows.triggers import Triggers, fires
from services.runtime import events
from services.runtime.structs import struct_of
from services.runtime.wakeups import Wakeups
from tests.automation.conftest import workflow


def on(changes: list[str], formula: str = "") -> m.Workflow:
    ids = {"base_id": "app" + "1" * 14, "table_id": "tbl" + "1" * 14}
    settings = {**ids, "changes": changes,
                "formula": formula, "field_types": {"Score": "number"}}  # fmt: skip
    return workflow(Who("t", "u"), [], m.Trigger(m.RECORD, settings))


def record(now: dict[str, object], before: dict[str, object] | None = None) -> ChangedRecord:
    changed = ChangedRecord(id="rec" + "1" * 14, fields=struct_of(now))
    if before is not None:
        changed.previous_fields.CopyFrom(struct_of(before))
    return changed


@pytest.mark.parametrize(
    ("changes", "formula", "event", "now", "before", "expected"),
    [
        ([m.CREATED], "", "record.created", {"Score": 1}, None, True),
        ([m.CREATED], "", "record.updated", {"Score": 1}, {"Score": 0}, False),
        ([m.UPDATED], "", "record.updated", {"Score": 1}, {"Score": 0}, True),
        ([m.CREATED], "{Score} > 5", "record.created", {"Score": 1}, None, False),
        ([m.MATCHED], "{Score} > 5", "record.created", {"Score": 9}, None, True),
        ([m.MATCHED], "{Score} > 5", "record.updated", {"Score": 9}, {"Score": 1}, True),
        # Already matching before the update: it did not come to match now.
        ([m.MATCHED], "{Score} > 5", "record.updated", {"Score": 9}, {"Score": 7}, False),
        ([m.MATCHED], "{Score} > 5", "record.updated", {"Score": 2}, {"Score": 9}, False),
        # A formula naming a field the table no longer has matches nothing.
        ([m.MATCHED], "{Gone} > 5", "record.updated", {"Score": 9}, {"Score": 1}, False),
    ],
)
def test_which_changes_start_the_workflow(
    changes: list[str],
    formula: str,
    event: str,
    now: dict[str, object],
    before: dict[str, object] | None,
    expected: bool,
) -> None:
    assert fires(on(changes, formula), event, record(now, before)) is expected


async def test_an_upload_starts_each_matching_workflow_once(
    stores: tuple[WorkflowStore, ExecutionStore],
) -> None:
    store, runs = stores
    who = Who(str(uuid.uuid4()), str(uuid.uuid4()))
    log = [m.StepSpec("l", "log", {"message": "{{trigger.name}}"})]

    def on_upload(**filters: object) -> m.Workflow:
        settings = {"extensions": [], "content_types": [], "max_size_bytes": 0, **filters}
        return workflow(who, log, m.Trigger(m.FILE_UPLOADED, settings))

    csv_only = await store.create(on_upload(extensions=["csv"]), "", None)
    small_only = await store.create(on_upload(max_size_bytes=1000), "", None)
    anything = await store.create(on_upload(), "", None)
    uploaded = FileUploaded(
        file_id="f1", name="leads.csv", extension="csv", content_type="text/csv", size_bytes=5000
    )
    event = events.new_event("file.uploaded", who.tenant_id, "automation", file=uploaded)
    wake = Wakeups(workers=1)
    triggers = Triggers(store, wake)
    await triggers(event)
    await triggers(event)  # delivered twice
    await asyncio.wait_for(wake.wait(), 5)  # a runner was woken
    for wf, count in ((csv_only, 1), (small_only, 0), (anything, 1)):
        found, _ = await runs.page(who.tenant_id, wf.id, 10, None)
        assert len(found) == count, wf.trigger.settings
        assert all(e.trigger_data["name"] == "leads.csv" for e in found)
