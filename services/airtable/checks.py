"""Request checks shared by both backends: names, field specs, record values, sort keys.

Each adds to a Violations collector, so a caller learns every bad field at once, and runs
before anything is written.
"""

from __future__ import annotations

from typing import Any

from services.airtable.fieldtypes import FIELD_TYPES, BadValue, check_options, clean_value
from services.airtable.model import MAX_BATCH, Field, SortKey, Table, TableSpec, Write, looks_like
from services.runtime.errors import FailedPrecondition, Violations, invalid
from services.runtime.validation import check_required

MAX_NAME = 255


def check_id(prefix: str, name: str, value: str) -> None:
    if not value:
        raise invalid(name, "is required")
    if not looks_like(prefix, value):
        raise invalid(name, f"must be an id like {prefix}XXXXXXXXXXXXXX, got {value[:40]!r}")


def check_name(v: Violations, where: str, value: str) -> str:
    return check_required(v, where, value, MAX_NAME)


def check_field_spec(v: Violations, where: str, field: Field) -> Field:
    name = check_name(v, f"{where}.name", field.name)
    if field.type not in FIELD_TYPES:
        v.add(f"{where}.type", f"must be one of {', '.join(FIELD_TYPES)}, got {field.type!r}")
    elif problem := check_options(field.type, field.options):
        v.add(f"{where}.options", problem)
    return Field("", name, field.type, field.description.strip(), field.options)


def check_table_spec(v: Violations, where: str, spec: TableSpec) -> TableSpec:
    prefix = f"{where}." if where else ""
    name = check_name(v, f"{prefix}name", spec.name)
    if not spec.fields:
        v.add(f"{prefix}fields", "needs at least one field (the first is the primary field)")
    fields = [check_field_spec(v, f"{prefix}fields[{i}]", f) for i, f in enumerate(spec.fields)]
    seen: set[str] = set()
    for i, field in enumerate(fields):
        if field.name.lower() in seen:
            v.add(f"{prefix}fields[{i}].name", f"{field.name!r} is used twice")
        seen.add(field.name.lower())
    return TableSpec(name, spec.description.strip(), fields)


def check_batch(v: Violations, count: int, what: str = "records") -> None:
    if count == 0:
        v.add(what, "needs at least 1 record")
    elif count > MAX_BATCH:
        v.add(what, f"at most {MAX_BATCH} records in one batch, got {count}")


def clean_fields(
    v: Violations, where: str, table: Table, values: dict[str, Any], typecast: bool
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Values checked against the table's fields, and the choices typecast must add."""
    clean: dict[str, Any] = {}
    added: dict[str, list[str]] = {}
    for name, value in values.items():
        field = table.field_named(name)
        if field is None:
            v.add(f"{where}.{name}", f"unknown field '{name}'")
            continue
        new: list[str] = []
        try:
            clean[name] = clean_value(field, value, typecast, new)
        except BadValue as exc:
            v.add(f"{where}.{name}", f"expected {exc} for a {field.type} field, got {value!r}")
        if new:
            added[name] = new
    return clean, added


def check_writes(
    v: Violations, table: Table, items: list[tuple[str, dict[str, Any]]], typecast: bool
) -> list[Write]:
    writes = []
    for i, (record_id, values) in enumerate(items):
        fields, added = clean_fields(v, f"records[{i}].fields", table, values, typecast)
        writes.append(Write(record_id, fields, added))
    return writes


def check_sort(v: Violations, table: Table, keys: list[str]) -> tuple[SortKey, ...]:
    result = []
    for i, key in enumerate(keys):
        text = key.strip()
        descending = False
        lowered = text.lower()
        for suffix, desc in ((" desc", True), (" asc", False)):
            if lowered.endswith(suffix):
                text, descending = text[: -len(suffix)].strip(), desc
        if table.field_named(text) is None:
            v.add(f"sort[{i}]", f"unknown field '{text}'")
        result.append(SortKey(text, descending))
    return tuple(result)


def check_field_names(v: Violations, table: Table, names: list[str]) -> tuple[str, ...]:
    for i, name in enumerate(names):
        if table.field_named(name) is None:
            v.add(f"fields[{i}]", f"unknown field '{name}'")
    return tuple(dict.fromkeys(names))


def check_record_ids(v: Violations, ids: list[str], where: str, suffix: str) -> None:
    for i, record_id in enumerate(ids):
        name = f"{where}[{i}]{suffix}"
        if not looks_like("rec", record_id):
            v.add(name, f"must be an id like recXXXXXXXXXXXXXX, got {record_id[:40]!r}")
        elif record_id in ids[:i]:
            v.add(name, f"{record_id} is named twice")


def base_deleted(base_id: str, request_id: str) -> FailedPrecondition:
    """A CreateBase replayed after its base was deleted (a saga's late call): refused, so a
    deleted base never comes back; the kept row is the request id's tombstone."""
    return FailedPrecondition(
        f"base {base_id}, made by request {request_id}, has been deleted", reason="BASE_DELETED"
    )
