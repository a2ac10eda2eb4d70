"""Which record changes start a record-triggered workflow (Airtable's "when a record is
created", "updated" and "matches conditions")."""

from __future__ import annotations

import pytest
from tablemesh.events.v1.events_pb2 import ChangedRecord

from services.automation.workflows import model as m
from services.automation.workflows.steps import Who
from services.automation.workflows.triggers import fires
from services.runtime.structs import struct_of
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
