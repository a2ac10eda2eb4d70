"""Tools about a base's structure: list_tables, get_field_info, create_metadata_table."""

from __future__ import annotations

from typing import Any

from services.mcp.catalog import Tool, ToolFailure, ToolResult
from services.mcp.tables import Tables
from services.mcp.tools import schemas as s

Json = dict[str, Any]

METADATA_FIELDS = [
    {"name": "Name", "type": "singleLineText"},
    {"name": "Table", "type": "singleLineText"},
    {"name": "Table ID", "type": "singleLineText"},
    {"name": "Field", "type": "singleLineText"},
    {"name": "Field ID", "type": "singleLineText"},
    {"name": "Type", "type": "singleLineText"},
    {"name": "Description", "type": "multilineText"},
    {"name": "Primary", "type": "checkbox"},
]


def metadata_rows(schema: list[Json]) -> list[Json]:
    """One row per field of every table, describing it."""
    rows = []
    for table in schema:
        for field in table["fields"]:
            row: Json = {
                "Name": f"{table['name']}.{field['name']}",
                "Table": table["name"],
                "Table ID": table["id"],
                "Field": field["name"],
                "Field ID": field["id"],
                "Type": field["type"],
                "Primary": field["id"] == table["primary_field_id"],
            }
            description = field.get("description") or table.get("description")
            if description:
                row["Description"] = description
            rows.append(row)
    return rows


def field_summary(field: Json) -> Json:
    """A field's name and type, and a select's choices: the values a filter compares with
    (a model cannot guess that "finished" is stored as "Done")."""
    out: Json = {"name": field["name"], "type": field["type"]}
    choices = (field.get("options") or {}).get("choices")
    if isinstance(choices, list):
        out["choices"] = [c["name"] for c in choices if isinstance(c, dict) and "name" in c]
    return out


def summary(table: Json) -> Json:
    fields = [field_summary(f) for f in table["fields"]]
    return {
        "id": table["id"],
        "name": table["name"],
        "description": table["description"],
        "fields": fields,
    }


async def list_tables(tables: Tables, a: Json) -> ToolResult:
    found = await tables.schema(a["base_id"])
    return ToolResult({"tables": [summary(t) for t in found], "count": len(found)})


async def get_field_info(tables: Tables, a: Json) -> ToolResult:
    table = await tables.table(a["base_id"], a["table"])
    fields = table["fields"]
    if "field" in a:
        fields = [f for f in fields if a["field"] in (f["id"], f["name"])]
        if not fields:
            raise ToolFailure("NOT_FOUND", f"field {a['field']!r} not found in {table['name']!r}")
    for field in fields:
        field["primary"] = field["id"] == table["primary_field_id"]
    return ToolResult({"table": {"id": table["id"], "name": table["name"]}, "fields": fields})


async def create_metadata_table(tables: Tables, a: Json) -> ToolResult:
    schema = await tables.schema(a["base_id"])
    name = a["table_name"]
    if any(t["name"] == name for t in schema):
        raise ToolFailure("ALREADY_EXISTS", f"a table named {name!r} already exists")
    rows = metadata_rows(schema)
    description = "Every table and field of this base, one row per field."
    created = await tables.create_table(a["base_id"], name, description, METADATA_FIELDS)
    records = await tables.create(a["base_id"], created["id"], rows)
    data = {
        "table": {"id": created["id"], "name": created["name"]},
        "tables_described": len(schema),
        "records_created": len(records),
    }
    return ToolResult(data)


TOOLS = [
    Tool(
        "list_tables",
        "List the tables of a base with their fields, field types and select choices.",
        s.arguments(["base_id"], base_id=s.BASE_ID),
        list_tables,
    ),
    Tool(
        "get_field_info",
        "Describe the fields of a table (or one field): id, name, type, description, "
        "type options such as select choices, and which is the primary field.",
        s.arguments(
            ["base_id", "table"],
            base_id=s.BASE_ID,
            table=s.TABLE,
            field={**s.FIELD_NAME, "description": "One field's id or name."},
        ),
        get_field_info,
    ),
    Tool(
        "create_metadata_table",
        "Create a table in the base that describes every table and field of the base "
        "(one record per field: table, field, type, description, primary).",
        s.arguments(
            ["base_id"],
            base_id=s.BASE_ID,
            table_name={**s.FIELD_NAME, "default": "Table Metadata"},
        ),
        create_metadata_table,
    ),
]
