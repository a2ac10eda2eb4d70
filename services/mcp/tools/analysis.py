"""Tools that read a whole table and compute: analyze_table_data, find_duplicates,
export_table_csv. The computing itself is in stats.py."""

from __future__ import annotations

from typing import Any

from services.mcp.catalog import Tool, ToolResult
from services.mcp.tables import Tables
from services.mcp.tools import schemas as s
from services.mcp.tools.stats import analyze, duplicates, field_names, to_csv

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


async def analyze_table_data(tables: Tables, a: Json) -> ToolResult:
    records, more = await _read(tables, a, a.get("fields"))
    stats = analyze(records, await _columns(tables, a, records), a["top_n"])
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
        "Compute statistics per field: count of values, blanks, distinct values, the most "
        "common values and, for numbers, sum, mean, min and max. Good for totals such as "
        "hours per project (with a filter) or an overview of a table.",
        s.arguments(
            ["base_id", "table"],
            **READ,
            fields=s.FIELD_NAMES,
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
