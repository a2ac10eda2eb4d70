"""Sort and select records in Python: the reference the SQL path is held to.

The local backend filters, sorts and pages in PostgreSQL (records_sql.py); these are the
semantics it must keep (tests/airtable/test_formula_sql.py compares the two), and the
test fake of Airtable's API sorts with them.
"""

from __future__ import annotations

from typing import Any

from services.airtable.model import Record, RecordQuery, Table


def sort_value(field_type: str, value: Any) -> Any:
    """A key that orders values of one field as Airtable does (text ignores case)."""
    if value is None:
        return None
    if field_type == "checkbox":
        return int(bool(value))
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value).casefold()
    return str(value).casefold()


def sort_records(records: list[Record], table: Table, query: RecordQuery) -> list[Record]:
    """Stable passes from the last key to the first; blanks always sort last."""
    types = table.field_types()
    ordered = list(records)
    for key in reversed(query.sort):
        kind = types[key.field]
        valued = [(sort_value(kind, r.fields.get(key.field)), r) for r in ordered]
        present = [pair for pair in valued if pair[0] is not None]
        blank = [r for value, r in valued if value is None]
        present.sort(key=lambda pair: pair[0], reverse=key.descending)
        ordered = [r for _, r in present] + blank
    return ordered


def select(record: Record, names: tuple[str, ...]) -> Record:
    if not names:
        return record
    fields = {name: record.fields[name] for name in names if name in record.fields}
    return Record(record.id, fields, record.created_at)
