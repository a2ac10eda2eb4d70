"""Tools that read and write records: get, search, create, update, delete, and batches."""

from __future__ import annotations

from typing import Any

from services.mcp.catalog import Tool, ToolResult
from services.mcp.tables import Tables
from services.mcp.tools import schemas as s
from services.mcp.tools.stats import matches

Json = dict[str, Any]


async def get_records(tables: Tables, a: Json) -> ToolResult:
    records, more = await tables.list_records(
        a["base_id"],
        a["table"],
        limit=a["max_records"],
        formula=a.get("filter_by_formula", ""),
        fields=a.get("fields"),
        sort=a.get("sort"),
        view=a.get("view", ""),
    )
    return ToolResult({"records": records, "count": len(records), "truncated": more})


async def search_records(tables: Tables, a: Json) -> ToolResult:
    # Matched here rather than as a formula, so any text (quotes included) is searched
    # for literally and both backends agree on what "contains" means.
    scanned, more = await tables.list_records(
        a["base_id"], a["table"], limit=s.MAX_SCAN, formula=a.get("filter_by_formula", "")
    )
    found = [r for r in scanned if matches(r, a["query"], a.get("fields"))]
    records = found[: a["max_records"]]
    data = {
        "records": records,
        "count": len(records),
        "truncated": len(found) > len(records),
        "scanned": len(scanned),
        "scan_complete": not more,
    }
    return ToolResult(data)


async def create_record(tables: Tables, a: Json) -> ToolResult:
    [record] = await tables.create(a["base_id"], a["table"], [a["fields"]], a["typecast"])
    return ToolResult({"record": record})


async def update_record(tables: Tables, a: Json) -> ToolResult:
    change = {"id": a["record_id"], "fields": a["fields"]}
    [record] = await tables.update(a["base_id"], a["table"], [change], typecast=a["typecast"])
    return ToolResult({"record": record})


async def delete_record(tables: Tables, a: Json) -> ToolResult:
    deleted = await tables.delete(a["base_id"], a["table"], [a["record_id"]])
    return ToolResult({"deleted": deleted})


async def batch_create_records(tables: Tables, a: Json) -> ToolResult:
    rows = [r["fields"] for r in a["records"]]
    records = await tables.create(a["base_id"], a["table"], rows, a["typecast"])
    return ToolResult({"records": records, "count": len(records)})


async def batch_update_records(tables: Tables, a: Json) -> ToolResult:
    records = await tables.update(
        a["base_id"], a["table"], a["records"], typecast=a["typecast"], replace=a["replace"]
    )
    return ToolResult({"records": records, "count": len(records)})


NEW_RECORD = s.arguments(["fields"], fields=s.FIELD_VALUES)
RECORD_CHANGE = s.arguments(["id", "fields"], id=s.RECORD_ID, fields=s.FIELD_VALUES)


def batch(items: Json) -> Json:
    return {"type": "array", "items": items, "minItems": 1, "maxItems": s.MAX_BATCH}


TOOLS = [
    Tool(
        "get_records",
        "Read records of a table, optionally filtered by an Airtable formula, sorted, "
        "limited to some fields or seen through a view. Returns records with their ids.",
        s.arguments(
            ["base_id", "table"],
            base_id=s.BASE_ID,
            table=s.TABLE,
            filter_by_formula=s.FORMULA,
            fields=s.FIELD_NAMES,
            sort=s.SORT,
            view=s.VIEW,
            max_records=s.max_records(100, 1000),
        ),
        get_records,
    ),
    Tool(
        "search_records",
        "Find records whose fields contain a text (case-insensitive). Searches the given "
        "fields, or every field.",
        s.arguments(
            ["base_id", "table", "query"],
            base_id=s.BASE_ID,
            table=s.TABLE,
            query={"type": "string", "minLength": 1, "maxLength": 1000},
            fields=s.FIELD_NAMES,
            filter_by_formula=s.FORMULA,
            max_records=s.max_records(50, 1000),
        ),
        search_records,
    ),
    Tool(
        "create_record",
        "Create one record with the given field values.",
        s.arguments(
            ["base_id", "table", "fields"],
            base_id=s.BASE_ID,
            table=s.TABLE,
            fields=s.FIELD_VALUES,
            typecast=s.TYPECAST,
        ),
        create_record,
    ),
    Tool(
        "update_record",
        "Change some fields of one record; fields not given keep their values.",
        s.arguments(
            ["base_id", "table", "record_id", "fields"],
            base_id=s.BASE_ID,
            table=s.TABLE,
            record_id=s.RECORD_ID,
            fields=s.FIELD_VALUES,
            typecast=s.TYPECAST,
        ),
        update_record,
    ),
    Tool(
        "delete_record",
        "Delete one record by its id; this cannot be undone.",
        s.arguments(
            ["base_id", "table", "record_id"],
            base_id=s.BASE_ID,
            table=s.TABLE,
            record_id=s.RECORD_ID,
        ),
        delete_record,
    ),
    Tool(
        "batch_create_records",
        f"Create 1 to {s.MAX_BATCH} records at once, all or none.",
        s.arguments(
            ["base_id", "table", "records"],
            base_id=s.BASE_ID,
            table=s.TABLE,
            records=batch(NEW_RECORD),
            typecast=s.TYPECAST,
        ),
        batch_create_records,
    ),
    Tool(
        "batch_update_records",
        f"Change 1 to {s.MAX_BATCH} records at once, all or none. With replace, fields not "
        "given are cleared.",
        s.arguments(
            ["base_id", "table", "records"],
            base_id=s.BASE_ID,
            table=s.TABLE,
            records=batch(RECORD_CHANGE),
            typecast=s.TYPECAST,
            replace={"type": "boolean", "default": False},
        ),
        batch_update_records,
    ),
]
