"""The airtable service's events: what its writes announce on the mesh's event bus.

Both backends build them here, the same way. The local backend writes them in the same
transaction as the change; the Airtable backend right after Airtable accepted it (the
change is not ours to hold in a transaction).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from google.protobuf.struct_pb2 import Struct
from tablemesh.events.v1.events_pb2 import (
    BaseChanged,
    ChangedRecord,
    Event,
    FieldChanged,
    RecordsChanged,
    TableChanged,
)

from services.airtable.model import Base, Field, Record, Table, Write
from services.runtime.events import new_event
from services.runtime.structs import struct_of

SOURCE = "airtable"


def _struct(fields: Mapping[str, Any]) -> Struct:
    return struct_of(dict(fields))


def records_created(tenant_id: str, base_id: str, table: Table, created: Iterable[Record]) -> Event:
    changed = [ChangedRecord(id=r.id, fields=_struct(r.fields)) for r in created]
    return _records("record.created", tenant_id, base_id, table, changed)


def records_updated(
    tenant_id: str,
    base_id: str,
    table: Table,
    updated: Iterable[Record],
    writes: Iterable[Write],
    previous: Mapping[str, Mapping[str, Any]] | None = None,
) -> Event:
    """`previous` holds the fields before the change by record id, when the backend knows."""
    set_names = {w.record_id: sorted(w.fields) for w in writes}
    changed = []
    for record in updated:
        item = ChangedRecord(
            id=record.id, fields=_struct(record.fields), changed_fields=set_names.get(record.id, [])
        )
        if previous is not None and record.id in previous:
            item.previous_fields.CopyFrom(_struct(previous[record.id]))
        changed.append(item)
    return _records("record.updated", tenant_id, base_id, table, changed)


def records_deleted(
    tenant_id: str, base_id: str, table: Table, deleted: Mapping[str, Mapping[str, Any]]
) -> Event:
    """`deleted` holds each deleted record's last fields by id (empty when not known)."""
    changed = [ChangedRecord(id=i, fields=_struct(f)) for i, f in deleted.items()]
    return _records("record.deleted", tenant_id, base_id, table, changed)


def _records(
    type_: str, tenant_id: str, base_id: str, table: Table, changed: list[ChangedRecord]
) -> Event:
    payload = RecordsChanged(
        base_id=base_id, table_id=table.id, table_name=table.name, records=changed
    )
    return new_event(type_, tenant_id, SOURCE, records=payload)


def base_changed(type_: str, tenant_id: str, base: Base) -> Event:
    return new_event(type_, tenant_id, SOURCE, base=BaseChanged(base_id=base.id, name=base.name))


def table_created(tenant_id: str, base_id: str, table: Table) -> Event:
    payload = TableChanged(base_id=base_id, table_id=table.id, name=table.name)
    return new_event("table.created", tenant_id, SOURCE, table=payload)


def field_created(tenant_id: str, base_id: str, table_id: str, field: Field) -> Event:
    payload = FieldChanged(
        base_id=base_id, table_id=table_id, field_id=field.id, name=field.name, type=field.type
    )
    return new_event("field.created", tenant_id, SOURCE, field=payload)
