"""The names a small model's tool call may use: those the conversation has seen.

A small model copies a 17-character base id wrongly now and then, and invents table and
field names ("group_by": "Status=Done", a view "All"); the tool then answers NOT_FOUND and
the model, stuck, makes a figure up. So each offered tool's schema is narrowed to enums of
what is known: the bases the conversation names, and the tables and fields of the last
list_tables result. The model service's grammar then admits only those, and the reply is
checked against the same narrowed schema.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from services.llm.providers.base import ChatMessage, ToolSpec
from services.llm.providers.small_model import SCHEMA_TOOL, named_bases


@dataclass(frozen=True)
class Known:
    bases: list[str]
    # Tables by name and by id; fields of every table; the single-select fields among them.
    tables: list[str]
    fields: list[str]
    selects: list[str]


def _tables(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    """The tables of the last list_tables result ([] when there is none, or an error)."""
    for m in reversed(messages):
        if m.role == "tool" and m.name == SCHEMA_TOOL:
            try:
                tables = json.loads(m.content).get("tables")
            except (json.JSONDecodeError, AttributeError):
                return []
            return [t for t in tables if isinstance(t, dict)] if isinstance(tables, list) else []
    return []


def known(messages: list[ChatMessage]) -> Known:
    tables = _tables(messages)
    fields = [f for t in tables for f in t.get("fields", []) if isinstance(f, dict)]
    return Known(
        sorted(named_bases(messages)),
        sorted({str(t[key]) for t in tables for key in ("name", "id") if t.get(key)}),
        sorted({str(f["name"]) for f in fields if f.get("name")}),
        sorted({str(f["name"]) for f in fields if f.get("type") == "singleSelect"}),
    )


def _one_of(spec: dict[str, Any], values: list[str]) -> dict[str, Any]:
    return {**spec, "enum": values} if values else spec


def _narrow(tool: ToolSpec, names: Known) -> ToolSpec:
    schema = tool.parameters or {}
    properties = dict(schema.get("properties", {}))
    for name, values in (
        ("base_id", names.bases),
        ("table", names.tables),
        ("group_by", names.selects or names.fields),
    ):
        if name in properties:
            properties[name] = _one_of(properties[name], values)
    listed = properties.get("fields")
    if isinstance(listed, dict) and listed.get("type") == "array" and names.fields:
        properties["fields"] = {**listed, "items": _one_of(listed.get("items", {}), names.fields)}
    if properties == schema.get("properties", {}):
        return tool
    return dataclasses.replace(tool, parameters={**schema, "properties": properties})


def narrowed(tools: list[ToolSpec], messages: list[ChatMessage]) -> list[ToolSpec]:
    """The tools, their arguments held to the names the conversation has seen."""
    names = known(messages)
    return [_narrow(tool, names) for tool in tools]
