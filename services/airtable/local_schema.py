"""The local backend's PostgreSQL tables (schema "airtable") and row conversions."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from services.airtable.model import Base, Field, Record, Table, View
from services.runtime import events

metadata = sa.MetaData(schema="airtable")
stamp = sa.DateTime(timezone=True)

bases = sa.Table(
    "bases",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("tenant_id", sa.Text),
    sa.Column("name", sa.Text),
    sa.Column("request_id", sa.Text),
    sa.Column("created_at", stamp),
    # Set when the base is deleted: the row stays as the tombstone of its request id.
    sa.Column("deleted_at", stamp),
)
# The events of the writes (services/airtable/changes.py), in their transactions.
outbox = events.outbox_table(metadata)
tables = sa.Table(
    "tables",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("tenant_id", sa.Text),
    sa.Column("base_id", sa.Text),
    sa.Column("name", sa.Text),
    sa.Column("description", sa.Text),
    sa.Column("position", sa.Integer),
    sa.Column("fields", postgresql.JSONB),
    sa.Column("views", postgresql.JSONB),
    sa.Column("created_at", stamp),
)
records = sa.Table(
    "records",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("tenant_id", sa.Text),
    sa.Column("table_id", sa.Text),
    sa.Column("fields", postgresql.JSONB),
    sa.Column("request_id", sa.Text),
    sa.Column("batch_index", sa.Integer),
    sa.Column("created_at", stamp),
)
# The expression indexes made on demand (field_indexes.py).
field_indexes = sa.Table(
    "field_indexes",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("table_id", sa.Text),
    sa.Column("field", sa.Text),
    sa.Column("descending", sa.Boolean),
    sa.Column("state", sa.Text),
    sa.Column("created_at", stamp),
)
linked_bases = sa.Table(
    "linked_bases",
    metadata,
    sa.Column("base_id", sa.Text, primary_key=True),
    sa.Column("tenant_id", sa.Text),
    sa.Column("name", sa.Text),
    sa.Column("request_id", sa.Text),
    sa.Column("created_at", stamp),
    # Set when the tenant lets go of the base: the row stays as its request id's tombstone.
    sa.Column("deleted_at", stamp),
)
record_requests = sa.Table(
    "record_requests",
    metadata,
    sa.Column("tenant_id", sa.Text, primary_key=True),
    sa.Column("table_id", sa.Text, primary_key=True),
    sa.Column("request_id", sa.Text, primary_key=True),
    sa.Column("records", postgresql.JSONB),
    sa.Column("created_at", stamp),
)


def field_to_json(field: Field) -> dict[str, Any]:
    return {
        "id": field.id,
        "name": field.name,
        "type": field.type,
        "description": field.description,
        "options": field.options,
    }


def field_from_json(data: dict[str, Any]) -> Field:
    return Field(
        id=data["id"],
        name=data["name"],
        type=data["type"],
        description=data.get("description") or "",
        options=data.get("options") or {},
    )


def view_from_json(data: dict[str, Any]) -> View:
    return View(id=data["id"], name=data["name"], type=data.get("type", "grid"))


def row_to_table(row: Any) -> Table:
    return Table(
        id=row.id,
        name=row.name,
        description=row.description,
        fields=[field_from_json(f) for f in row.fields],
        views=[view_from_json(v) for v in row.views],
    )


def row_to_base(row: Any) -> Base:
    return Base(id=row.id, name=row.name, backend="local", created_at=row.created_at)


def row_to_record(row: Any) -> Record:
    return Record(id=row.id, fields=dict(row.fields), created_at=row.created_at)
