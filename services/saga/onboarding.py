"""The user_onboarding saga: workspace -> sample base -> base linked to it -> welcome.

It starts from the user.registered event, once the account exists: auth made the
credential and users makes the profile from the same event, so no step here makes either
again. CreateWorkspace makes its owner's grant itself, so no step grants it again.

Every call carries the step's idempotency key as request_id (or is idempotent by itself,
as LinkBase is), so a retry after a lost reply returns what the first call made.
Compensations undo in reverse order.
"""

from __future__ import annotations

from typing import Any

from tablemesh.airtable.v1 import airtable_service_pb2 as air_pb
from tablemesh.airtable.v1 import airtable_service_pb2_grpc as air_grpc
from tablemesh.notifications.v1 import notifications_service_pb2 as note_pb
from tablemesh.notifications.v1 import notifications_service_pb2_grpc as note_grpc
from tablemesh.workspaces.v1 import workspaces_service_pb2 as ws_pb
from tablemesh.workspaces.v1 import workspaces_service_pb2_grpc as ws_grpc

from services.runtime.errors import Violations
from services.runtime.validation import check_email
from services.saga.definitions import SagaDef, StepContext, StepDef
from services.saga.inputs import check_text, check_uuid_field
from services.saga.notify import delete_sent_notification

SAMPLE_BASE = "Sample base"
SAMPLE_TABLE = air_pb.TableSpec(
    name="Tasks",
    description="A first table to try things with.",
    fields=[
        air_pb.Field(name="Name", type="singleLineText"),
        air_pb.Field(name="Notes", type="multilineText"),
        air_pb.Field(name="Done", type="checkbox"),
    ],
)


def check_input(v: Violations, data: dict[str, Any]) -> None:
    check_uuid_field(v, data, "user_id")
    check_email(v, "input.email", str(data.get("email", "")))
    check_text(v, data, "first_name")
    check_text(v, data, "last_name")
    if data.get("role", "admin") not in ("admin", "member", "viewer"):
        v.add("input.role", "must be admin, member or viewer")


def workspace_name(ctx: StepContext) -> str:
    return f"{ctx.input['first_name']}'s workspace"


async def create_workspace(ctx: StepContext) -> dict[str, Any]:
    stub = ctx.stub(ws_grpc.WorkspacesServiceStub, "workspaces")
    workspace = ws_pb.Workspace(
        name=workspace_name(ctx),
        description="Created for you when you signed up.",
        owner_user_id=ctx.input["user_id"],
    )
    reply = await stub.CreateWorkspace(
        ws_pb.CreateWorkspaceRequest(workspace=workspace, request_id=ctx.key),
        metadata=await ctx.auth(),
        timeout=ctx.timeout,
    )
    return {"workspace_id": reply.workspace.id, "name": reply.workspace.name}


async def delete_workspace(ctx: StepContext, result: dict[str, Any]) -> None:
    stub = ctx.stub(ws_grpc.WorkspacesServiceStub, "workspaces")
    await stub.DeleteWorkspace(
        ws_pb.DeleteWorkspaceRequest(workspace_id=result["workspace_id"]),
        metadata=await ctx.auth(),
        timeout=ctx.timeout,
    )


async def create_sample_base(ctx: StepContext) -> dict[str, Any]:
    stub = ctx.stub(air_grpc.AirtableServiceStub, "airtable")
    request = air_pb.CreateBaseRequest(name=SAMPLE_BASE, tables=[SAMPLE_TABLE], request_id=ctx.key)
    reply = await stub.CreateBase(request, metadata=await ctx.auth(), timeout=ctx.timeout)
    return {"base_id": reply.base.id, "tables": [t.id for t in reply.tables]}


async def delete_sample_base(ctx: StepContext, result: dict[str, Any]) -> None:
    stub = ctx.stub(air_grpc.AirtableServiceStub, "airtable")
    await stub.DeleteBase(
        air_pb.DeleteBaseRequest(base_id=result["base_id"]),
        metadata=await ctx.auth(),
        timeout=ctx.timeout,
    )


async def link_sample_base(ctx: StepContext) -> dict[str, Any]:
    """Links the sample base to the new workspace, so that it is found where the person's
    work is (and governed by the workspace's roles)."""
    stub = ctx.stub(ws_grpc.WorkspacesServiceStub, "workspaces")
    workspace_id = ctx.results["create_workspace"]["workspace_id"]
    base_id = ctx.results["create_sample_base"]["base_id"]
    request = ws_pb.LinkBaseRequest(workspace_id=workspace_id, base_id=base_id)
    await stub.LinkBase(request, metadata=await ctx.auth(), timeout=ctx.timeout)
    return {"workspace_id": workspace_id, "base_id": base_id}


async def unlink_sample_base(ctx: StepContext, result: dict[str, Any]) -> None:
    stub = ctx.stub(ws_grpc.WorkspacesServiceStub, "workspaces")
    request = ws_pb.UnlinkBaseRequest(
        workspace_id=result["workspace_id"], base_id=result["base_id"]
    )
    await stub.UnlinkBase(request, metadata=await ctx.auth(), timeout=ctx.timeout)


async def send_welcome(ctx: StepContext) -> dict[str, Any]:
    stub = ctx.stub(note_grpc.NotificationsServiceStub, "notifications")
    request = note_pb.SendRequest(
        request_id=ctx.key,
        recipient_user_id=ctx.input["user_id"],
        recipient_email=ctx.input["email"],
        channels=["email", "in_app"],
        template="welcome",
        variables={
            "first_name": ctx.input["first_name"],
            "workspace_name": ctx.results["create_workspace"]["name"],
        },
    )
    reply = await stub.Send(request, metadata=await ctx.auth(), timeout=ctx.timeout)
    return {"notification_id": reply.notification.id, "request_id": ctx.key}


USER_ONBOARDING = SagaDef(
    name="user_onboarding",
    description="Sets up a new user's world: a default workspace they own, a sample base "
    "linked to it, and a welcome notification.",
    steps=(
        StepDef("create_workspace", create_workspace, delete_workspace),
        StepDef("create_sample_base", create_sample_base, delete_sample_base),
        StepDef("link_sample_base", link_sample_base, unlink_sample_base),
        StepDef("send_welcome", send_welcome, delete_sent_notification, undo_by_key=True),
    ),
    required_input=("user_id", "email", "first_name", "last_name"),
    check_input=check_input,
    # The profile is made by users from the user.registered event; the owner's grant by
    # CreateWorkspace itself.
    retired=frozenset({"create_profile", "grant_owner"}),
)
