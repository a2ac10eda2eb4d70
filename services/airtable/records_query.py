"""Filter, sort, select and page a table's records in Python (the local backend's query).

The whole table is read and filtered here, which is fine for the team-sized tables this
backend is for; the formula never becomes SQL. A push-down of simple comparisons to JSONB
predicates would be the next step if tables grow large.
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


def run_query(records: list[Record], table: Table, query: RecordQuery) -> tuple[list[Record], Any]:
    """One page of the records that match, in order, and the next page's offset."""
    formula = query.formula
    found = [r for r in records if formula.matches(r.fields)] if formula else list(records)
    found = sort_records(found, table, query)
    start = int(query.cursor or 0)
    end = start + query.page_size
    page = [select(r, query.fields) for r in found[start:end]]
    return page, end if end < len(found) else None
