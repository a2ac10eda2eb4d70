"""The steps over uploaded files: process_file (the text and rows read from a file) and
import_rows (a CSV's or sheet's rows written as records, into a table or a new one).

An import writes 10 records per call, as Airtable allows, each batch with its own request
id derived from the execution, the step and the batch: an import that runs again (a retry,
a resumed run) writes no row twice. A new table's fields are the first row's names, typed
from the values below them (number when every value is one, else text); a run that finds
the table already made (by its own earlier attempt) writes into it.
"""

from __future__ import annotations

import re
from typing import Any

from services.automation.workflows.step_call import Actions, Outcome, StepCall, StepFailed

# What a process_file step keeps in the execution's record (the whole text stays in the
# file; a later step quotes what it needs).
TEXT_KEPT = 20_000
ROWS_KEPT = 100
BATCH = 10
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _table(found: dict[str, Any]) -> dict[str, Any]:
    tables = found.get("tables") or []
    if not tables or not tables[0]["rows"]:
        raise StepFailed("the file has no rows to import")
    return dict(tables[0])


def guessed_fields(header: list[str], rows: list[list[str]]) -> list[dict[str, str]]:
    """A field per column: number when every non-empty value is one, else text."""
    fields = []
    for i, name in enumerate(header):
        values = [r[i] for r in rows if i < len(r) and r[i].strip()]
        numeric = bool(values) and all(NUMBER.match(v.strip()) for v in values)
        fields.append({"name": name, "type": "number" if numeric else "singleLineText"})
    return fields


def records_of(header: list[str], rows: list[list[str]]) -> list[dict[str, str]]:
    """One record per row, by the header's names; empty cells are left out."""
    return [
        {header[i]: cell for i, cell in enumerate(row[: len(header)]) if cell.strip()}
        for row in rows
    ]


async def process_file(call: StepCall, actions: Actions) -> Outcome:
    found = await actions.read_file(call.who, str(call.config["file_id"]))
    tables = [
        {
            "name": t["name"],
            "row_count": t["row_count"],
            "columns": t["rows"][0] if t["rows"] else [],
            "rows": t["rows"][1 : ROWS_KEPT + 1],
        }
        for t in found.get("tables") or []
    ]
    text = str(found.get("text", ""))
    call.logs.append(f"read {found['name']}: {len(text)} characters, {len(tables)} table(s)")
    return Outcome(
        {
            "file_id": found["file_id"],
            "name": found["name"],
            "text": text[:TEXT_KEPT],
            "text_truncated": bool(found.get("text_truncated")) or len(text) > TEXT_KEPT,
            "tables": tables,
        }
    )


async def import_rows(call: StepCall, actions: Actions) -> Outcome:
    c = call.config
    found = await actions.read_file(call.who, str(c["file_id"]))
    table = _table(found)
    header = [h.strip() or f"Column {i + 1}" for i, h in enumerate(table["rows"][0])]
    rows = table["rows"][1:]
    base_id = str(c["base_id"])
    table_id = str(c.get("table_id") or "")
    if not table_id:
        name = str(c["new_table"])
        table_id = await actions.create_table(call.who, base_id, name, guessed_fields(header, rows))
        call.logs.append(f"made table {name!r} ({table_id})")
    records = [r for r in records_of(header, rows) if r]
    for n, start in enumerate(range(0, len(records), BATCH)):
        batch = records[start : start + BATCH]
        await actions.create_records(
            call.who, base_id, table_id, batch, True, f"{call.request_id}:{n}"
        )
    call.logs.append(f"imported {len(records)} rows into {table_id}")
    if found.get("rows_truncated"):
        call.logs.append("the file has more rows than one read carries; the rest were not read")
    return Outcome({"table_id": table_id, "imported": len(records), "columns": header})
