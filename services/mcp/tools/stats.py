"""Pure logic of the data tools, on records as plain dicts ({"id", "fields"}).

No I/O here: the tool handlers fetch records through the airtable service and hand them in,
so this is tested on plain data.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from typing import Any

Json = dict[str, Any]


def is_blank(value: Any) -> bool:
    """Airtable leaves empty fields out; an empty string or list is just as empty."""
    return value is None or value == "" or value == [] or value == {}


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def field_names(records: list[Json], schema_order: list[str] | None = None) -> list[str]:
    """Fields in schema order first, then any others seen in the records, in order seen."""
    names = list(schema_order or [])
    seen = set(names)
    for record in records:
        for name in record.get("fields", {}):
            if name not in seen:
                seen.add(name)
                names.append(name)
    return names


def _counted(value: Any) -> list[Any]:
    """What a value adds to the top values: each choice of a multiple select counts."""
    items = value if isinstance(value, list) else [value]
    return [json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v for v in items]


def field_stats(values: list[Any], total: int, top_n: int) -> Json:
    present = [v for v in values if not is_blank(v)]
    stats: Json = {"count": len(present), "blanks": total - len(present)}
    numbers = [v for v in present if is_number(v)]
    if numbers:
        total_sum = sum(numbers)
        stats["numeric"] = {
            "count": len(numbers),
            "sum": total_sum,
            "mean": total_sum / len(numbers),
            "min": min(numbers),
            "max": max(numbers),
        }
    counter: Counter[Any] = Counter()
    for value in present:
        counter.update(_counted(value))
    stats["distinct"] = len(counter)
    stats["top_values"] = [{"value": v, "count": c} for v, c in counter.most_common(top_n)]
    return stats


def analyze(records: list[Json], fields: list[str], top_n: int = 5) -> Json:
    """Per field: non-blank count, blanks, numeric sum/mean/min/max, distinct and top values."""
    total = len(records)
    return {
        "record_count": total,
        "fields": {
            name: field_stats([r.get("fields", {}).get(name) for r in records], total, top_n)
            for name in fields
        },
    }


def group_totals(records: list[Json], group_field: str, fields: list[str]) -> Json:
    """Per value of `group_field` (a select): its records, and each numeric field's sum
    and mean over them; a question about some records ("the finished ones") is answered
    by reading one group, with no filter to get right."""
    members: dict[str, list[Json]] = {}
    for record in records:
        value = record.get("fields", {}).get(group_field)
        members.setdefault(value if isinstance(value, str) and value else "(blank)", []).append(
            record
        )
    out: Json = {}
    for choice, group in members.items():
        entry: Json = {"records": len(group)}
        for name in fields:
            numbers = [v for r in group if is_number(v := r.get("fields", {}).get(name))]
            if numbers and name != group_field:
                entry[name] = {"sum": sum(numbers), "mean": sum(numbers) / len(numbers)}
        out[choice] = entry
    return out


def _key_part(value: Any, case_sensitive: bool) -> Any:
    if isinstance(value, str):
        text = " ".join(value.split())
        return text if case_sensitive else text.casefold()
    if isinstance(value, list):
        return tuple(sorted(str(_key_part(v, case_sensitive)) for v in value))
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return value


def duplicates(records: list[Json], fields: list[str], case_sensitive: bool = False) -> list[Json]:
    """Groups of two or more records with the same values in `fields`, largest first.

    Strings match ignoring surrounding and repeated whitespace (and case, unless asked);
    records blank in every one of the fields are not grouped.
    """
    groups: dict[tuple[Any, ...], list[Json]] = {}
    for record in records:
        values = record.get("fields", {})
        if all(is_blank(values.get(f)) for f in fields):
            continue
        key = tuple(_key_part(values.get(f), case_sensitive) for f in fields)
        groups.setdefault(key, []).append(record)
    found = [
        {
            "values": {f: members[0].get("fields", {}).get(f) for f in fields},
            "count": len(members),
            "record_ids": [m["id"] for m in members],
        }
        for members in groups.values()
        if len(members) > 1
    ]
    return sorted(found, key=lambda g: -int(g["count"]))


def cell(value: Any) -> str:
    """A field value as CSV text: lists joined by ", ", objects as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def to_csv(records: list[Json], columns: list[str], include_id: bool = True) -> str:
    """CSV text with a header row; the record id first unless left out."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((["id"] if include_id else []) + columns)
    for record in records:
        values = record.get("fields", {})
        row = [cell(values.get(c)) for c in columns]
        writer.writerow(([record["id"]] if include_id else []) + row)
    return out.getvalue()


def matches(record: Json, query: str, fields: list[str] | None = None) -> bool:
    """Whether any of the fields (all when none given) contains the query, ignoring case."""
    needle = query.casefold()
    values = record.get("fields", {})
    names = fields if fields else list(values)
    return any(needle in cell(values.get(name)).casefold() for name in names)
