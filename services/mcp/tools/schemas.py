"""JSON-schema pieces the tools share, so every tool names its arguments the same way."""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]

# Most records any tool reads in one call (a tool that scans, like analyze, stops there).
MAX_SCAN = 5000
# Airtable writes at most 10 records per request; the batch tools keep that promise
# (all or none) instead of splitting a batch into several requests.
MAX_BATCH = 10

BASE_ID: Json = {
    "type": "string",
    "pattern": "^app[A-Za-z0-9]{14}$",
    "description": "The base's id, 'app' followed by 14 letters or digits.",
}
TABLE: Json = {
    "type": "string",
    "minLength": 1,
    "maxLength": 255,
    "description": "The table's id ('tbl...') or its name.",
}
RECORD_ID: Json = {
    "type": "string",
    "pattern": "^rec[A-Za-z0-9]{14}$",
    "description": "A record's id, 'rec' followed by 14 letters or digits.",
}
FIELD_NAME: Json = {"type": "string", "minLength": 1, "maxLength": 255}
FIELD_NAMES: Json = {
    "type": "array",
    "items": FIELD_NAME,
    "maxItems": 500,
    "uniqueItems": True,
    "description": "Field names; all fields when left out.",
}
FORMULA: Json = {
    "type": "string",
    "maxLength": 10_000,
    "description": (
        "An Airtable formula; only records for which it is true are used, for example "
        "AND({Status} = 'Done', {Hours} > 2)."
    ),
}
VIEW: Json = {"type": "string", "maxLength": 255, "description": "A view's id or name."}
SORT: Json = {
    "type": "array",
    "items": {"type": "string", "minLength": 1, "maxLength": 260},
    "maxItems": 20,
    "description": "Sort keys: a field name, optionally followed by ' desc'.",
}
FIELD_VALUES: Json = {
    "type": "object",
    "maxProperties": 500,
    "description": "Values by field name, as Airtable takes them.",
}
TYPECAST: Json = {
    "type": "boolean",
    "default": False,
    "description": "Convert values to the field types where possible (Airtable's typecast).",
}


def max_records(default: int, maximum: int = MAX_SCAN) -> Json:
    return {
        "type": "integer",
        "minimum": 1,
        "maximum": maximum,
        "default": default,
        "description": f"How many records to read at most (default {default}, up to {maximum}).",
    }


def arguments(required: list[str], **properties: Json) -> Json:
    """An object schema that refuses arguments it does not know."""
    return {
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
