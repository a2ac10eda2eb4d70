"""Tools that read a whole table and compute: analyze_table_data, find_duplicates,
export_table_csv. The computing itself is in stats.py."""

from __future__ import annotations

from typing import Any

from services.mcp.catalog import Tool, ToolFailure, ToolResult
from services.mcp.tables import Tables
from services.mcp.tools import schemas as s
from services.mcp.tools.stats import analyze, duplicates, field_names, group_totals, to_csv

Json = dict[str, Any]


async def _read(tables: Tables, a: Json, fields: list[str] | None) -> tuple[list[Json], bool]:
    return await tables.list_records(
        a["base_id"],
        a["table"],
        limit=a["max_records"],
        formula=a.get("filter_by_formula", ""),
        fields=fields,
        view=a.get("view", ""),
    )


async def _columns(tables: Tables, a: Json, records: list[Json]) -> list[str]:
    """The asked-for fields, else every field in the table's own order."""
    if a.get("fields"):
        return list(a["fields"])
    table = await tables.table(a["base_id"], a["table"])
    return field_names(records, [f["name"] for f in table["fields"]])


# Grouped by default: the single selects with at most this many choices (a status, a stage).
GROUP_CHOICES = 12


def group_fields(table: Json, group_by: str | None) -> list[str]:
    """The fields whose choices the numbers are totalled per: the one asked for, else the
    table's small single selects."""
    if group_by:
        if not any(f["name"] == group_by for f in table["fields"]):
            raise ToolFailure("NOT_FOUND", f"field {group_by!r} not found in {table['name']!r}")
        return [group_by]
    return [
        f["name"]
        for f in table["fields"]
        if f["type"] == "singleSelect"
        and len((f.get("options") or {}).get("choices") or []) <= GROUP_CHOICES
    ][:2]


async def analyze_table_data(tables: Tables, a: Json) -> ToolResult:
    table = await tables.table(a["base_id"], a["table"])
    groups = group_fields(table, a.get("group_by"))
    wanted = a.get("fields")
    read = [*wanted, *(g for g in groups if g not in wanted)] if wanted else None
    records, more = await _read(tables, a, read)
    columns = list(wanted) if wanted else field_names(records, [f["name"] for f in table["fields"]])
    stats = analyze(records, columns, a["top_n"])
    if groups:
        stats["groups"] = {g: group_totals(records, g, columns) for g in groups}
    return ToolResult({**stats, "truncated": more})


async def find_duplicates(tables: Tables, a: Json) -> ToolResult:
    records, more = await _read(tables, a, a["fields"])
    groups = duplicates(records, a["fields"], a["case_sensitive"])
    data = {
        "groups": groups,
        "group_count": len(groups),
        "duplicate_records": sum(g["count"] for g in groups),
        "scanned": len(records),
        "truncated": more,
    }
    return ToolResult(data)


async def export_table_csv(tables: Tables, a: Json) -> ToolResult:
    records, more = await _read(tables, a, a.get("fields"))
    columns = await _columns(tables, a, records)
    text = to_csv(records, columns, a["include_id"])
    data = {"csv": text, "rows": len(records), "columns": columns, "truncated": more}
    return ToolResult(data, text)


READ = {
    "base_id": s.BASE_ID,
    "table": s.TABLE,
    "filter_by_formula": s.FORMULA,
    "view": s.VIEW,
}

TOOLS = [
    Tool(
        "analyze_table_data",
        "Compute statistics per field (for numbers sum, mean, min and max), also totalled "
        "per choice of a select field (group_by; by default the table's single selects). "
        "Counts values, blanks, distinct and most common values too. Good for totals such "
        "as hours per status or per project (with a filter) or an overview of a table.",
        s.arguments(
            ["base_id", "table"],
            **READ,
            fields=s.FIELD_NAMES,
            group_by={
                **s.FIELD_NAME,
                "description": "A select field to total numbers per choice of.",
            },
            max_records=s.max_records(1000),
            top_n={"type": "integer", "minimum": 1, "maximum": 50, "default": 5},
        ),
        analyze_table_data,
    ),
    Tool(
        "find_duplicates",
        "Find groups of records with the same values in the given fields (text compared "
        "ignoring case and extra spaces unless case_sensitive).",
        s.arguments(
            ["base_id", "table", "fields"],
            **READ,
            fields={**s.FIELD_NAMES, "minItems": 1, "maxItems": 20},
            case_sensitive={"type": "boolean", "default": False},
            max_records=s.max_records(1000),
        ),
        find_duplicates,
    ),
    Tool(
        "export_table_csv",
        "Export records as CSV text with a header row (record id first, then the fields).",
        s.arguments(
            ["base_id", "table"],
            **READ,
            fields=s.FIELD_NAMES,
            include_id={"type": "boolean", "default": True},
            max_records=s.max_records(1000),
        ),
        export_table_csv,
    ),
]
