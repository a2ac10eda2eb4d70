"""The mesh calls workflows make: airtable writes as the workflow's creator (a token auth
issues on the creator's behalf, with the creator's current role: a member's workflow can
do no more than the member), notifications as the automation service, and schema reads
as the caller who is defining a workflow.
"""

from __future__ import annotations

from typing import Any

import grpc
from tablemesh.airtable.v1 import airtable_service_pb2 as air
from tablemesh.airtable.v1 import airtable_service_pb2_grpc as air_grpc
from tablemesh.notifications.v1 import notifications_service_pb2 as notes
from tablemesh.notifications.v1 import notifications_service_pb2_grpc as notes_grpc

from services.automation.files.domain import Files
from services.automation.workflows.step_call import StepFailed, Who
from services.runtime.clients import MeshClients
from services.runtime.errors import InvalidArgument, NotFound
from services.runtime.failures import answers_from
from services.runtime.identity import Caller
from services.runtime.service_identity import ServiceTokens
from services.runtime.structs import dict_of, struct_of

SERVICE_NAME = "automation"
# Codes that mean "this step's request is wrong or not allowed": retrying will not help.
REFUSALS = {
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.UNAUTHENTICATED,
}


def _records(reply: Any) -> list[dict[str, Any]]:
    return [{"id": r.id, "fields": dict_of(r.fields)} for r in reply.records]


class MeshActions:
    def __init__(
        self, clients: MeshClients, service_secret: str, files: Files, call_timeout: float = 10.0
    ) -> None:
        self.clients = clients
        # This service's own files, read in-process.
        self.files = files
        self.tokens = ServiceTokens(clients, SERVICE_NAME, service_secret, call_timeout)

    async def _as_creator(self, who: Who) -> list[tuple[str, str]]:
        try:
            return await self.tokens.metadata(who.tenant_id, who.user_id)
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.PERMISSION_DENIED:
                raise StepFailed("the workflow's creator is no longer an active user") from exc
            raise

    async def _call(self, method: Any, request: Any, who: Who, as_creator: bool = True) -> Any:
        """Calls as the creator (or as the service); the runtime tries once more with a
        fresh token when the cached one was revoked meanwhile (a demotion or a password
        change revokes them)."""
        if as_creator:
            await self._as_creator(who)  # a creator no longer active is told apart
        try:
            return await self.tokens.call(
                method,
                request,
                who.tenant_id,
                on_behalf_of=who.user_id if as_creator else "",
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() in REFUSALS:
                raise StepFailed(exc.details() or exc.code().name) from exc
            raise  # retryable: the runner decides

    async def create_records(
        self, who: Who, base_id: str, table_id: str, records: list[dict[str, Any]],
        typecast: bool, request_id: str,
    ) -> list[dict[str, Any]]:  # fmt: skip
        stub = self.clients.stub(air_grpc.AirtableServiceStub, "airtable")
        request = air.CreateRecordsRequest(
            base_id=base_id,
            table_id=table_id,
            records=[air.NewRecord(fields=struct_of(r)) for r in records],
            typecast=typecast,
            request_id=request_id,
        )
        return _records(await self._call(stub.CreateRecords, request, who))

    async def update_records(
        self, who: Who, base_id: str, table_id: str, records: list[dict[str, Any]], typecast: bool
    ) -> list[dict[str, Any]]:
        stub = self.clients.stub(air_grpc.AirtableServiceStub, "airtable")
        request = air.UpdateRecordsRequest(
            base_id=base_id,
            table_id=table_id,
            records=[
                air.RecordUpdate(id=str(r["id"]), fields=struct_of(r["fields"])) for r in records
            ],
            typecast=typecast,
        )
        return _records(await self._call(stub.UpdateRecords, request, who))

    async def notify(self, who: Who, user_id: str, title: str, body: str, request_id: str) -> str:
        stub = self.clients.stub(notes_grpc.NotificationsServiceStub, "notifications")
        request = notes.SendRequest(
            request_id=request_id,
            recipient_user_id=user_id,
            channels=["in_app"],
            subject=title,
            body=body,
        )
        reply = await self._call(stub.Send, request, who, as_creator=False)
        return str(reply.notification.id)

    async def read_file(self, who: Who, file_id: str) -> dict[str, Any]:
        tenant = Caller(who.user_id, who.tenant_id, "member", "", "", 0, "")
        try:
            found, collected = await self.files.process(tenant, file_id)
        except (NotFound, InvalidArgument) as exc:
            raise StepFailed(exc.message) from exc
        return {
            "file_id": found.id,
            "name": found.name,
            "text": collected.text,
            "text_truncated": collected.text_truncated,
            "rows_truncated": collected.rows_truncated,
            "tables": [
                {"name": t.name, "rows": t.rows, "row_count": t.row_count} for t in collected.tables
            ],
        }

    async def create_table(
        self, who: Who, base_id: str, name: str, fields: list[dict[str, str]]
    ) -> str:
        stub = self.clients.stub(air_grpc.AirtableServiceStub, "airtable")
        request = air.CreateTableRequest(
            base_id=base_id, name=name, fields=[air.Field(**f) for f in fields]
        )
        try:
            return str((await self._call(stub.CreateTable, request, who)).table.id)
        except StepFailed:
            # Made by an earlier attempt of this step (a retry, a resumed run)?
            schema = await self._call(
                stub.GetBaseSchema, air.GetBaseSchemaRequest(base_id=base_id), who
            )
            for table in schema.tables:
                if table.name.lower() == name.lower():
                    return str(table.id)
            raise


class MeshTables:
    """Schema reads as the caller (their token goes with the call)."""

    def __init__(self, clients: MeshClients) -> None:
        self.clients = clients

    async def field_types(self, base_id: str, table_id: str) -> dict[str, str]:
        stub = self.clients.stub(air_grpc.AirtableServiceStub, "airtable")
        missing = NotFound(f"base {base_id} not found", reason="BASE_NOT_FOUND")
        with answers_from("airtable", not_found=missing):
            try:
                reply = await stub.GetBaseSchema(air.GetBaseSchemaRequest(base_id=base_id))
            except grpc.aio.AioRpcError as exc:
                if exc.code() in (
                    grpc.StatusCode.INVALID_ARGUMENT,
                    grpc.StatusCode.PERMISSION_DENIED,
                ):
                    raise missing from exc
                raise
        for table in reply.tables:
            if table_id in (table.id, table.name):
                return {f.name: f.type for f in table.fields}
        raise NotFound(f"table {table_id} not found in base {base_id}", reason="TABLE_NOT_FOUND")
