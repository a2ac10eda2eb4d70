"""Airtable's JSON shapes (meta API tables and fields, records, list parameters) to and
from the domain's dataclasses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.airtable.model import Field, Record, RecordQuery, Table, TableSpec, View


def field_json(field: Field) -> dict[str, Any]:
    """A field as the meta API takes it (choice ids are Airtable's to assign)."""
    data: dict[str, Any] = {"name": field.name, "type": field.type}
    if field.description:
        data["description"] = field.description
    options = dict(field.options)
    if "choices" in options:
        options["choices"] = [{k: v for k, v in c.items() if k != "id"} for c in options["choices"]]
    if options:
        data["options"] = options
    return data


def table_json(spec: TableSpec) -> dict[str, Any]:
    data: dict[str, Any] = {"name": spec.name, "fields": [field_json(f) for f in spec.fields]}
    if spec.description:
        data["description"] = spec.description
    return data


def field_from(data: dict[str, Any]) -> Field:
    return Field(
        data["id"], data["name"], data["type"], data.get("description", ""), data.get("options", {})
    )


def table_from(data: dict[str, Any]) -> Table:
    fields = [field_from(f) for f in data.get("fields", [])]
    primary = data.get("primaryFieldId")
    fields.sort(key=lambda f: f.id != primary)  # the primary field first, as the API says
    views = [View(v["id"], v["name"], v.get("type", "grid")) for v in data.get("views", [])]
    return Table(data["id"], data["name"], data.get("description", ""), fields, views)


def record_from(data: dict[str, Any]) -> Record:
    created = data.get("createdTime")
    stamp = datetime.fromisoformat(created.replace("Z", "+00:00")) if created else None
    return Record(data["id"], data.get("fields", {}), stamp)


def record_json(record: Record) -> dict[str, Any]:
    stamp = record.created_at.isoformat().replace("+00:00", "Z") if record.created_at else None
    return {"id": record.id, "fields": record.fields, "createdTime": stamp}


def query_params(query: RecordQuery) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = [("pageSize", str(query.page_size))]
    if query.formula:
        params.append(("filterByFormula", query.formula.text))
    for i, key in enumerate(query.sort):
        params.append((f"sort[{i}][field]", key.field))
        params.append((f"sort[{i}][direction]", "desc" if key.descending else "asc"))
    params += [("fields[]", name) for name in query.fields]
    if query.view:
        params.append(("view", query.view.id))
    if query.cursor:
        params.append(("offset", str(query.cursor)))
    return params
