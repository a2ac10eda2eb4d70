"""The fake Airtable's in-memory bases, tables and records, with Airtable's answers."""

from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime
from typing import Any

from services.airtable.records_query import sort_value
from services.formula import Formula

NO_OPTIONS = ("singleLineText", "multilineText", "email", "url", "phoneNumber")


def new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(14))


class FakeError(Exception):
    def __init__(self, status: int, kind: str, message: str = "") -> None:
        super().__init__(kind)
        self.status, self.kind, self.message = status, kind, message


class FakeTable:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.id = new_id("tbl")
        self.name = spec["name"]
        self.description = spec.get("description", "")
        self.fields: list[dict[str, Any]] = []
        for field in spec["fields"]:
            self.add_field(field)
        self.views = [{"id": new_id("viw"), "name": "Grid view", "type": "grid"}]
        self.rows: dict[str, dict[str, Any]] = {}
        self.iterators: dict[str, int] = {}

    def add_field(self, spec: dict[str, Any]) -> dict[str, Any]:
        if any(f["name"].lower() == spec["name"].lower() for f in self.fields):
            raise FakeError(422, "DUPLICATE_OR_EMPTY_FIELD_NAME")
        if spec["type"] in NO_OPTIONS and spec.get("options"):
            raise FakeError(422, "INVALID_FIELD_TYPE_OPTIONS_FOR_CREATE")
        if spec["type"] == "number" and "precision" not in spec.get("options", {}):
            raise FakeError(422, "INVALID_FIELD_TYPE_OPTIONS_FOR_CREATE", "precision required")
        field = {"id": new_id("fld"), **spec}
        for choice in field.get("options", {}).get("choices", []):
            choice.setdefault("id", new_id("sel"))
        self.fields.append(field)
        return field

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "primaryFieldId": self.fields[0]["id"],
            "fields": self.fields,
            "views": self.views,
        }

    def _field(self, name: str) -> dict[str, Any]:
        for field in self.fields:
            if name in (field["name"], field["id"]):
                return field
        raise FakeError(422, "UNKNOWN_FIELD_NAME", f'Unknown field name: "{name}"')

    def _value(self, name: str, value: Any, typecast: bool) -> Any:
        field = self._field(name)
        if value is None:
            return None
        if field["type"] in ("singleSelect", "multipleSelects"):
            choices = field["options"]["choices"]
            for choice in value if isinstance(value, list) else [value]:
                if choice not in [c["name"] for c in choices]:
                    if not typecast:
                        raise FakeError(422, "INVALID_MULTIPLE_CHOICE_OPTIONS")
                    choices.append({"id": new_id("sel"), "name": choice})
        if field["type"] == "number" and isinstance(value, str):
            if not typecast:
                raise FakeError(422, "INVALID_VALUE_FOR_COLUMN")
            return float(value)
        return value

    def _fields(self, values: dict[str, Any], typecast: bool) -> dict[str, Any]:
        clean = {name: self._value(name, value, typecast) for name, value in values.items()}
        return {k: v for k, v in clean.items() if v not in (None, "", [], False)}

    def create(self, items: list[dict[str, Any]], typecast: bool) -> list[dict[str, Any]]:
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        made: list[dict[str, Any]] = [
            {
                "id": new_id("rec"),
                "createdTime": stamp,
                "fields": self._fields(i["fields"], typecast),
            }
            for i in items
        ]
        self.rows.update({row["id"]: row for row in made})
        return made

    def update(self, items: list[dict[str, Any]], typecast: bool, replace: bool) -> list[Any]:
        for item in items:
            self.get(item["id"])
        changed = []
        for item in items:
            row = self.rows[item["id"]]
            merged = {} if replace else dict(row["fields"])
            merged.update(item["fields"])
            row["fields"] = self._fields(merged, typecast)
            changed.append(row)
        return changed

    def delete(self, ids: list[str]) -> list[dict[str, Any]]:
        for record_id in ids:
            self.get(record_id)
        for record_id in ids:
            del self.rows[record_id]
        return [{"id": record_id, "deleted": True} for record_id in ids]

    def get(self, record_id: str) -> dict[str, Any]:
        if record_id not in self.rows:
            raise FakeError(404, "NOT_FOUND", "Could not find what you are looking for")
        return self.rows[record_id]

    def query(
        self, formula: Formula | None, sort: list[tuple[str, bool]], names: list[str]
    ) -> list[dict[str, Any]]:
        rows = [r for r in self.rows.values() if formula is None or formula.matches(r["fields"])]
        for name, descending in reversed(sort):
            kind = self._field(name)["type"]
            present = [r for r in rows if r["fields"].get(name) is not None]
            blank = [r for r in rows if r["fields"].get(name) is None]
            present.sort(key=lambda r: sort_value(kind, r["fields"][name]), reverse=descending)
            rows = present + blank
        if names:
            return [
                {**r, "fields": {k: v for k, v in r["fields"].items() if k in names}} for r in rows
            ]
        return rows


class FakeBase:
    def __init__(self, base_id: str, name: str) -> None:
        self.id = base_id
        self.name = name
        self.tables: list[FakeTable] = []

    def add_table(self, spec: dict[str, Any]) -> dict[str, Any]:
        if any(t.name.lower() == spec["name"].lower() for t in self.tables):
            raise FakeError(422, "DUPLICATE_TABLE_NAME")
        table = FakeTable(spec)
        self.tables.append(table)
        return table.describe()

    def schema(self) -> list[dict[str, Any]]:
        return [t.describe() for t in self.tables]

    def table(self, id_or_name: str) -> FakeTable:
        for table in self.tables:
            if id_or_name in (table.id, table.name):
                return table
        raise FakeError(404, "TABLE_NOT_FOUND")
