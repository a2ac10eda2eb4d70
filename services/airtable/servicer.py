"""gRPC face of the airtable service: decode the request, call the domain, encode the reply."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format, struct_pb2
from tablemesh.airtable.v1 import airtable_service_pb2 as pb
from tablemesh.airtable.v1 import airtable_service_pb2_grpc as pb_grpc

from services.airtable.domain import Airtable
from services.airtable.model import Base, Field, Record, Table, TableSpec
from services.runtime.identity import current_caller
from services.runtime.wire import Ctx, timestamp


def to_dict(message: struct_pb2.Struct) -> dict[str, Any]:
    return json_format.MessageToDict(message)


def to_struct(values: dict[str, Any]) -> struct_pb2.Struct:
    result = struct_pb2.Struct()
    result.update(values)
    return result


def field_in(f: pb.Field) -> Field:
    return Field(f.id, f.name, f.type, f.description, to_dict(f.options))


def field_out(f: Field) -> pb.Field:
    return pb.Field(
        id=f.id, name=f.name, type=f.type, description=f.description, options=to_struct(f.options)
    )


def table_out(t: Table) -> pb.Table:
    return pb.Table(
        id=t.id,
        name=t.name,
        description=t.description,
        primary_field_id=t.primary_field_id,
        fields=[field_out(f) for f in t.fields],
        views=[pb.View(id=v.id, name=v.name, type=v.type) for v in t.views],
    )


def base_out(b: Base) -> pb.Base:
    return pb.Base(id=b.id, name=b.name, backend=b.backend, create_time=timestamp(b.created_at))


def record_out(r: Record) -> pb.Record:
    return pb.Record(id=r.id, fields=to_struct(r.fields), create_time=timestamp(r.created_at))


class AirtableServicer(pb_grpc.AirtableServiceServicer):
    def __init__(self, airtable: Airtable) -> None:
        self.airtable = airtable

    async def ListBases(self, request: pb.ListBasesRequest, context: Ctx) -> pb.ListBasesResponse:
        found, token = await self.airtable.list_bases(
            current_caller(), request.page_size, request.page_token
        )
        return pb.ListBasesResponse(bases=[base_out(b) for b in found], next_page_token=token)

    async def CreateBase(
        self, request: pb.CreateBaseRequest, context: Ctx
    ) -> pb.CreateBaseResponse:
        specs = [
            TableSpec(t.name, t.description, [field_in(f) for f in t.fields])
            for t in request.tables
        ]
        base, tables = await self.airtable.create_base(
            current_caller(), request.name, specs, request.request_id, request.workspace_id
        )
        return pb.CreateBaseResponse(base=base_out(base), tables=[table_out(t) for t in tables])

    async def DeleteBase(
        self, request: pb.DeleteBaseRequest, context: Ctx
    ) -> pb.DeleteBaseResponse:
        await self.airtable.delete_base(current_caller(), request.base_id)
        return pb.DeleteBaseResponse(base_id=request.base_id)

    async def GetBaseSchema(
        self, request: pb.GetBaseSchemaRequest, context: Ctx
    ) -> pb.GetBaseSchemaResponse:
        tables = await self.airtable.get_schema(current_caller(), request.base_id)
        return pb.GetBaseSchemaResponse(tables=[table_out(t) for t in tables])

    async def CreateTable(
        self, request: pb.CreateTableRequest, context: Ctx
    ) -> pb.CreateTableResponse:
        spec = TableSpec(request.name, request.description, [field_in(f) for f in request.fields])
        table = await self.airtable.create_table(current_caller(), request.base_id, spec)
        return pb.CreateTableResponse(table=table_out(table))

    async def CreateField(
        self, request: pb.CreateFieldRequest, context: Ctx
    ) -> pb.CreateFieldResponse:
        field = Field("", request.name, request.type, request.description, to_dict(request.options))
        created = await self.airtable.create_field(
            current_caller(), request.base_id, request.table_id, field
        )
        return pb.CreateFieldResponse(field=field_out(created))

    async def ListRecords(
        self, request: pb.ListRecordsRequest, context: Ctx
    ) -> pb.ListRecordsResponse:
        found, token = await self.airtable.list_records(
            current_caller(),
            request.base_id,
            request.table_id,
            formula=request.filter_by_formula,
            sort=list(request.sort),
            fields=list(request.fields),
            view=request.view,
            page_size=request.page_size,
            page_token=request.page_token,
        )
        return pb.ListRecordsResponse(records=[record_out(r) for r in found], next_page_token=token)

    async def GetRecord(self, request: pb.GetRecordRequest, context: Ctx) -> pb.GetRecordResponse:
        record = await self.airtable.get_record(
            current_caller(), request.base_id, request.table_id, request.record_id
        )
        return pb.GetRecordResponse(record=record_out(record))

    async def CreateRecords(
        self, request: pb.CreateRecordsRequest, context: Ctx
    ) -> pb.CreateRecordsResponse:
        created = await self.airtable.create_records(
            current_caller(),
            request.base_id,
            request.table_id,
            [to_dict(r.fields) for r in request.records],
            request.typecast,
            request.request_id,
        )
        return pb.CreateRecordsResponse(records=[record_out(r) for r in created])

    async def UpdateRecords(
        self, request: pb.UpdateRecordsRequest, context: Ctx
    ) -> pb.UpdateRecordsResponse:
        updated = await self.airtable.update_records(
            current_caller(),
            request.base_id,
            request.table_id,
            [(r.id, to_dict(r.fields)) for r in request.records],
            request.typecast,
            request.replace,
        )
        return pb.UpdateRecordsResponse(records=[record_out(r) for r in updated])

    async def DeleteRecords(
        self, request: pb.DeleteRecordsRequest, context: Ctx
    ) -> pb.DeleteRecordsResponse:
        deleted = await self.airtable.delete_records(
            current_caller(), request.base_id, request.table_id, list(request.record_ids)
        )
        return pb.DeleteRecordsResponse(record_ids=deleted)
