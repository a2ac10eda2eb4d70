"""A plain-Python tool executor over an in-memory table, for testing the loop without the
mcp service: the same two-method interface the loop uses for mcp."""

from __future__ import annotations

import json
from typing import Any

from services.llm.loop import ToolOutcome
from services.llm.providers.base import ToolSpec

BASE_ID = "appAAAAAAAAAAAAAA"

GET_RECORDS = ToolSpec(
    "get_records",
    "List the records of a table.",
    {
        "type": "object",
        "properties": {
            "base_id": {"type": "string"},
            "table": {"type": "string"},
            "max_records": {"type": "integer", "minimum": 1},
        },
        "required": ["base_id", "table"],
        "additionalProperties": False,
    },
)


class TableTools:
    """One base with a Projects table; records every call it ran."""

    def __init__(self) -> None:
        self.records = [
            {"id": "rec1", "fields": {"Name": "Apollo", "Hours": 12}},
            {"id": "rec2", "fields": {"Name": "Gemini", "Hours": 30}},
        ]
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def list_tools(self) -> list[ToolSpec]:
        return [GET_RECORDS]

    async def call(self, name: str, arguments: dict[str, Any]) -> ToolOutcome:
        self.calls.append((name, arguments))
        if arguments.get("base_id") != BASE_ID or arguments.get("table") != "Projects":
            return ToolOutcome("NOT_FOUND: no such base or table", True)
        limit = int(arguments.get("max_records", 100))
        return ToolOutcome(json.dumps({"records": self.records[:limit]}))
