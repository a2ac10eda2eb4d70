"""The airtable_integration saga: validate access -> fetch schema -> create webhook ->
initial sync -> notify.

There is no webhooks service in the mesh yet, so create_webhook is recorded as skipped
with a result that says so, rather than pretending a webhook exists.
"""

from __future__ import annotations

from typing import Any

from tablemesh.airtable.v1 import airtable_service_pb2 as air_pb
from tablemesh.airtable.v1 import airtable_service_pb2_grpc as air_grpc
from tablemesh.notifications.v1 import notifications_service_pb2 as note_pb
from tablemesh.notifications.v1 import notifications_service_pb2_grpc as note_grpc

from services.runtime.errors import Violations
from services.saga.definitions import SagaDef, Skipped, StepContext, StepDef
from services.saga.inputs import check_text, check_uuid_field
from services.saga.notify import delete_sent_notification

# Pages of records read per table by the initial sync, at most.
SYNC_PAGE_LIMIT = 100


def check_input(v: Violations, data: dict[str, Any]) -> None:
    check_text(v, data, "base_id", 64)
    check_uuid_field(v, data, "user_id")


async def _schema(ctx: StepContext) -> air_pb.GetBaseSchemaResponse:
    stub = ctx.stub(air_grpc.AirtableServiceStub, "airtable")
    request = air_pb.GetBaseSchemaRequest(base_id=ctx.input["base_id"])
    return await stub.GetBaseSchema(request, metadata=await ctx.auth(), timeout=ctx.timeout)


async def validate_access(ctx: StepContext) -> dict[str, Any]:
    await _schema(ctx)  # NOT_FOUND / PERMISSION_DENIED end the saga here
    return {"base_id": ctx.input["base_id"], "accessible": True}


async def fetch_schema(ctx: StepContext) -> dict[str, Any]:
    schema = await _schema(ctx)
    tables = [{"id": t.id, "name": t.name, "fields": len(t.fields)} for t in schema.tables]
    return {"tables": tables}


async def create_webhook(ctx: StepContext) -> dict[str, Any]:
    return Skipped(
        skipped=True,
        reason="the mesh has no webhooks service yet; no webhook was created, changes "
        "are not pushed and need a new sync",
    )


async def initial_sync(ctx: StepContext) -> dict[str, Any]:
    """Reads every table once (the local view of the base) and reports what it saw."""
    stub = ctx.stub(air_grpc.AirtableServiceStub, "airtable")
    counts: dict[str, int] = {}
    for table in ctx.results["fetch_schema"]["tables"]:
        token, count = "", 0
        for _ in range(SYNC_PAGE_LIMIT):
            reply = await stub.ListRecords(
                air_pb.ListRecordsRequest(
                    base_id=ctx.input["base_id"], table_id=table["id"], page_token=token
                ),
                metadata=await ctx.auth(),
                timeout=ctx.timeout,
            )
            count += len(reply.records)
            token = reply.next_page_token
            if not token:
                break
        counts[table["id"]] = count
    return {"records_by_table": counts, "records": sum(counts.values())}


async def notify(ctx: StepContext) -> dict[str, Any]:
    stub = ctx.stub(note_grpc.NotificationsServiceStub, "notifications")
    records = ctx.results["initial_sync"]["records"]
    request = note_pb.SendRequest(
        request_id=ctx.key,
        recipient_user_id=ctx.input["user_id"],
        channels=["in_app"],
        subject="Your Airtable base is connected",
        body=f"Base {ctx.input['base_id']} is connected; {records} records were synced.",
    )
    reply = await stub.Send(request, metadata=await ctx.auth(), timeout=ctx.timeout)
    return {"notification_id": reply.notification.id, "request_id": ctx.key}


AIRTABLE_INTEGRATION = SagaDef(
    name="airtable_integration",
    description="Connects an Airtable base: checks access, reads its schema, (webhook: "
    "skipped until a webhooks service exists), syncs it once and tells the user.",
    steps=(
        StepDef("validate_access", validate_access),
        StepDef("fetch_schema", fetch_schema),
        StepDef("create_webhook", create_webhook),
        StepDef("initial_sync", initial_sync),
        StepDef("notify", notify, delete_sent_notification, undo_by_key=True),
    ),
    required_input=("base_id", "user_id"),
    check_input=check_input,
)
