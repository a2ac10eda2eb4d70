"""Bases, tables, fields, views and records as the domain sees them (no protobuf, no SQL)."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.formula import Formula

# Airtable's batch limit for record writes.
MAX_BATCH = 10
MAX_PAGE_SIZE = 100
ID_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str) -> str:
    """An Airtable-shaped id: app, tbl, fld, viw, rec or sel and 14 random characters."""
    return prefix + "".join(secrets.choice(ID_ALPHABET) for _ in range(14))


def looks_like(prefix: str, value: str) -> bool:
    return (
        len(value) == 17 and value.startswith(prefix) and all(c in ID_ALPHABET for c in value[3:])
    )


@dataclass
class Base:
    id: str
    name: str
    backend: str
    created_at: datetime | None = None


@dataclass
class Field:
    id: str
    name: str
    type: str
    description: str = ""
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class View:
    id: str
    name: str
    type: str = "grid"


@dataclass
class Table:
    id: str
    name: str
    description: str = ""
    fields: list[Field] = field(default_factory=list)
    views: list[View] = field(default_factory=list)

    @property
    def primary_field_id(self) -> str:
        return self.fields[0].id if self.fields else ""

    def field_named(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def field_types(self) -> dict[str, str]:
        return {f.name: f.type for f in self.fields}

    def view(self, id_or_name: str) -> View | None:
        return next((v for v in self.views if id_or_name in (v.id, v.name)), None)


@dataclass
class TableSpec:
    """A table to create: ids are assigned by the backend."""

    name: str
    description: str
    fields: list[Field]


@dataclass
class Record:
    id: str
    fields: dict[str, Any]
    created_at: datetime | None = None


@dataclass(frozen=True)
class SortKey:
    field: str
    descending: bool = False


@dataclass(frozen=True)
class RecordQuery:
    """A validated ListRecords request; `cursor` is where the previous page stopped (the
    local backend's offset, or Airtable's offset string)."""

    formula: Formula | None
    sort: tuple[SortKey, ...]
    fields: tuple[str, ...]
    view: View | None
    page_size: int
    cursor: Any = None


@dataclass(frozen=True)
class Write:
    """Cleaned values of one record to write, and select choices typecast must add."""

    record_id: str
    fields: dict[str, Any]
    new_choices: dict[str, list[str]] = field(default_factory=dict)
