"""The tools' view of the airtable service: plain dicts in, plain dicts out.

Every call goes through the mesh client layer, which carries the caller's token, so the
airtable service scopes it to the caller's tenant (another tenant's base is NOT_FOUND).
Writes are sent in Airtable's batches of 10.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from google.protobuf import struct_pb2
from tablemesh.airtable.v1 import airtable_service_pb2 as pb
from tablemesh.airtable.v1.airtable_service_pb2_grpc import AirtableServiceStub

from services.mcp.catalog import ToolFailure
from services.runtime.clients import MeshClients
from services.runtime.structs import dict_of, struct_of

Json = dict[str, Any]
BATCH = 10
PAGE = 100
T = TypeVar("T")


def plain(value: Any) -> Any:
    """Struct numbers arrive as floats: 3.0 reads better (and sums the same) as 3."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def struct(values: Json) -> struct_pb2.Struct:
    return struct_of(values)


def record_dict(record: pb.Record) -> Json:
    out: Json = {"id": record.id, "fields": dict_of(record.fields)}
    if record.HasField("create_time"):
        out["created_time"] = record.create_time.ToJsonString()
    return out


def table_dict(table: pb.Table) -> Json:
    return {
        "id": table.id,
        "name": table.name,
        "description": table.description,
        "primary_field_id": table.primary_field_id,
        "fields": [
            {
                "id": f.id,
                "name": f.name,
                "type": f.type,
                "description": f.description,
                "options": dict_of(f.options),
            }
            for f in table.fields
        ],
        "views": [{"id": v.id, "name": v.name, "type": v.type} for v in table.views],
    }


def chunks(items: list[T], size: int = BATCH) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Tables:
    def __init__(self, clients: MeshClients) -> None:
        self._clients = clients

    @property
    def _stub(self) -> AirtableServiceStub:
        return self._clients.stub(AirtableServiceStub, "airtable")

    async def schema(self, base_id: str) -> list[Json]:
        reply = await self._stub.GetBaseSchema(pb.GetBaseSchemaRequest(base_id=base_id))
        return [table_dict(t) for t in reply.tables]

    async def table(self, base_id: str, table: str) -> Json:
        """One table's schema, by id or name."""
        for found in await self.schema(base_id):
            if table in (found["id"], found["name"]):
                return found
        raise ToolFailure("NOT_FOUND", f"table {table!r} not found in base {base_id!r}")

    async def list_records(
        self,
        base_id: str,
        table: str,
        *,
        limit: int,
        formula: str = "",
        fields: list[str] | None = None,
        sort: list[str] | None = None,
        view: str = "",
    ) -> tuple[list[Json], bool]:
        """Up to `limit` records, and whether more were left."""
        records: list[Json] = []
        token = ""
        while True:
            request = pb.ListRecordsRequest(
                base_id=base_id,
                table_id=table,
                filter_by_formula=formula,
                fields=fields or [],
                sort=sort or [],
                view=view,
                page_size=min(PAGE, limit - len(records)),
                page_token=token,
            )
            reply = await self._stub.ListRecords(request)
            records.extend(record_dict(r) for r in reply.records)
            token = reply.next_page_token
            if not token or len(records) >= limit:
                return records[:limit], bool(token) or len(records) > limit

    async def create(
        self, base_id: str, table: str, rows: list[Json], typecast: bool = False
    ) -> list[Json]:
        created: list[Json] = []
        for batch in chunks(rows):
            request = pb.CreateRecordsRequest(
                base_id=base_id,
                table_id=table,
                records=[pb.NewRecord(fields=struct(fields)) for fields in batch],
                typecast=typecast,
            )
            reply = await self._stub.CreateRecords(request)
            created.extend(record_dict(r) for r in reply.records)
        return created

    async def update(
        self,
        base_id: str,
        table: str,
        changes: list[Json],
        *,
        typecast: bool = False,
        replace: bool = False,
    ) -> list[Json]:
        updated: list[Json] = []
        for batch in chunks(changes):
            request = pb.UpdateRecordsRequest(
                base_id=base_id,
                table_id=table,
                records=[pb.RecordUpdate(id=c["id"], fields=struct(c["fields"])) for c in batch],
                typecast=typecast,
                replace=replace,
            )
            reply = await self._stub.UpdateRecords(request)
            updated.extend(record_dict(r) for r in reply.records)
        return updated

    async def delete(self, base_id: str, table: str, record_ids: list[str]) -> list[str]:
        deleted: list[str] = []
        for batch in chunks(record_ids):
            request = pb.DeleteRecordsRequest(base_id=base_id, table_id=table, record_ids=batch)
            reply = await self._stub.DeleteRecords(request)
            deleted.extend(reply.record_ids)
        return deleted

    async def create_table(
        self, base_id: str, name: str, description: str, fields: list[Json]
    ) -> Json:
        request = pb.CreateTableRequest(
            base_id=base_id,
            name=name,
            description=description,
            fields=[pb.Field(name=f["name"], type=f["type"]) for f in fields],
        )
        reply = await self._stub.CreateTable(request)
        return table_dict(reply.table)
