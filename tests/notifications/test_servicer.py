"""The notifications service over gRPC, with real auth and users beside it, in this
process on TABLEMESH_PORT_OFFSET=1600 ports: real tokens, the mesh interceptor, error
details, and an email to the test SMTP server."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from tablemesh.auth.v1 import auth_service_pb2 as auth_pb
from tablemesh.notifications.v1 import notifications_service_pb2 as pb

from services.runtime.secret_keys import service_auth_key
from tests.notifications.mesh import Mesh, running_mesh
from tests.notifications.smtp_server import Mailbox, SmtpServer

PASSWORD = "correct horse"


@pytest.fixture(scope="module")
async def mesh(database_url: str, redis_url: str, smtp_server: SmtpServer) -> AsyncIterator[Mesh]:
    async with running_mesh(database_url, redis_url, smtp_server) as running:
        yield running


def bearer(token: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {token}"),)


def new_email() -> str:
    return f"n-{uuid.uuid4().hex[:10]}@example.com"


async def register(mesh: Mesh) -> auth_pb.RegisterResponse:
    request = auth_pb.RegisterRequest(
        email=new_email(), password=PASSWORD, first_name="Ada", last_name="Lovelace"
    )
    return await mesh.auth.Register(request, timeout=10)


async def invite_member(mesh: Mesh, admin_token: str) -> auth_pb.AcceptInvitationResponse:
    invitation = await mesh.auth.CreateInvitation(
        auth_pb.CreateInvitationRequest(email=new_email(), role="member"),
        metadata=bearer(admin_token),
    )
    return await mesh.auth.AcceptInvitation(
        auth_pb.AcceptInvitationRequest(
            token=invitation.token, password=PASSWORD, first_name="Bo", last_name="B"
        )
    )


async def service_token(mesh: Mesh, tenant_id: str) -> str:
    reply = await mesh.auth.IssueServiceToken(
        auth_pb.IssueServiceTokenRequest(
            service_name="saga",
            service_secret=service_auth_key(),
            tenant_id=tenant_id,
        )
    )
    return reply.access_token


def welcome(user_id: str, email: str, request_id: str = "") -> pb.SendRequest:
    return pb.SendRequest(
        request_id=request_id,
        recipient_user_id=user_id,
        recipient_email=email,
        channels=["in_app", "email"],
        template="welcome",
        variables={"first_name": "Ada", "workspace_name": "Home"},
    )


async def test_saga_sends_the_welcome_and_the_recipient_reads_it(
    mesh: Mesh, mailbox: Mailbox
) -> None:
    ada = await register(mesh)
    saga = bearer(await service_token(mesh, ada.principal.tenant_id))
    request = welcome(ada.principal.user_id, ada.principal.email, f"{uuid.uuid4()}:welcome")
    first = (await mesh.notifications.Send(request, metadata=saga)).notification
    again = (await mesh.notifications.Send(request, metadata=saga)).notification
    assert again.id == first.id and first.email_state == "sent"
    assert [m.message["Subject"] for m in mailbox.to(ada.principal.email)] == [
        "Welcome to tablemesh, Ada"
    ]

    me = bearer(ada.access_token)
    listed = await mesh.notifications.ListNotifications(pb.ListNotificationsRequest(), metadata=me)
    assert [n.id for n in listed.notifications] == [first.id] and listed.unread_count == 1

    member = await invite_member(mesh, ada.access_token)
    stranger = await register(mesh)
    for other in (member.access_token, stranger.access_token):
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await mesh.notifications.MarkRead(
                pb.MarkReadRequest(notification_id=first.id), metadata=bearer(other)
            )
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
        theirs = await mesh.notifications.ListNotifications(
            pb.ListNotificationsRequest(), metadata=bearer(other)
        )
        assert list(theirs.notifications) == []
    read = await mesh.notifications.MarkRead(
        pb.MarkReadRequest(notification_id=first.id), metadata=me
    )
    assert read.notification.read and read.notification.HasField("read_time")

    # A member cannot send; the saga's compensation deletes it, twice without harm.
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await mesh.notifications.Send(request, metadata=bearer(member.access_token))
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    for _ in range(2):
        await mesh.notifications.DeleteNotification(
            pb.DeleteNotificationRequest(request_id=request.request_id), metadata=saga
        )
    listed = await mesh.notifications.ListNotifications(pb.ListNotificationsRequest(), metadata=me)
    assert list(listed.notifications) == []


async def test_bad_input_carries_field_violations(mesh: Mesh) -> None:
    ada = await register(mesh)
    admin = bearer(ada.access_token)
    request = welcome(ada.principal.user_id, "not-an-email")
    request.variables.pop("workspace_name")
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await mesh.notifications.Send(request, metadata=admin)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(err.value)  # type: ignore[arg-type]
    assert status is not None
    fields: set[str] = set()
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            fields |= {v.field for v in bad.field_violations}
    assert fields == {"recipient_email"}  # input shape first; rendering needs it valid
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await mesh.notifications.Send(
            welcome(ada.principal.user_id, ada.principal.email), metadata=()
        )
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_templates_over_grpc(mesh: Mesh) -> None:
    ada = await register(mesh)
    admin = bearer(ada.access_token)
    created = await mesh.notifications.CreateTemplate(
        pb.CreateTemplateRequest(
            template=pb.Template(name="digest", subject="Digest for $day", body="$count new"),
            request_id="t-1",
        ),
        metadata=admin,
    )
    assert list(created.template.variables) == ["count", "day"]
    listed = await mesh.notifications.ListTemplates(pb.ListTemplatesRequest(), metadata=admin)
    names = [t.name for t in listed.templates]
    assert names == sorted(names) and {"digest", "welcome", "invitation"} <= set(names)
    updated = await mesh.notifications.UpdateTemplate(
        pb.UpdateTemplateRequest(template=pb.Template(name="digest", body="$count new items")),
        metadata=admin,
    )
    assert updated.template.body == "$count new items"
    assert updated.template.subject == "Digest for $day"
