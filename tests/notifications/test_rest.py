"""Notifications through Envoy, on the shared mesh booted by the launcher
(tests/conftest.py: e2e_mesh): REST for people, gRPC on the services' own ports for a
mesh service (Send is internal: the gateway has no route for it), and the email reaching
the test SMTP server from the real service process."""

from __future__ import annotations

import uuid

import grpc
import httpx
import pytest
from tablemesh.auth.v1 import auth_service_pb2 as auth_pb
from tablemesh.auth.v1.auth_service_pb2_grpc import AuthServiceStub
from tablemesh.notifications.v1 import notifications_service_pb2 as pb
from tablemesh.notifications.v1.notifications_service_pb2_grpc import NotificationsServiceStub

from services.runtime.secret_keys import service_auth_key
from tests.accounts import register
from tests.e2e.mesh import Mesh, bearer
from tests.notifications.smtp_server import Mailbox, SmtpServer


@pytest.fixture(scope="module")
def smtp_server(mesh_smtp: SmtpServer) -> SmtpServer:
    """The SMTP server the shared mesh sends to (the `mailbox` fixture reads it)."""
    return mesh_smtp


@pytest.fixture(scope="module")
def gateway(e2e_mesh: Mesh) -> httpx.Client:
    return e2e_mesh.http


def send_as_saga(mesh: Mesh, tenant_id: str, request: pb.SendRequest) -> pb.Notification:
    """What the saga does: a service token from auth, then Send, each on its own port."""
    secret = mesh.env["TABLEMESH_SERVICE_SECRET"]
    with grpc.insecure_channel(f"127.0.0.1:{mesh.port('auth')}") as channel:
        token = (
            AuthServiceStub(channel)
            .IssueServiceToken(
                auth_pb.IssueServiceTokenRequest(
                    service_name="saga",
                    service_secret=service_auth_key(secret),
                    tenant_id=tenant_id,
                ),
                timeout=10,
            )
            .access_token
        )
    with grpc.insecure_channel(f"127.0.0.1:{mesh.port('notifications')}") as channel:
        reply = NotificationsServiceStub(channel).Send(
            request, metadata=(("authorization", f"Bearer {token}"),), timeout=20
        )
    return reply.notification


def test_in_app_and_email_through_the_gateway(
    e2e_mesh: Mesh, gateway: httpx.Client, mailbox: Mailbox
) -> None:
    ada = register(gateway)
    principal = ada["principal"]
    # Onboarding may send its own welcome too: this test looks only for its own marker.
    marker = uuid.uuid4().hex[:8]
    sent = send_as_saga(
        e2e_mesh,
        principal["tenant_id"],
        pb.SendRequest(
            request_id=f"{uuid.uuid4()}:check",
            recipient_user_id=principal["user_id"],
            recipient_email=principal["email"],
            channels=["in_app", "email"],
            template="password_changed",
            variables={"first_name": marker, "changed_at": "today"},
        ),
    )
    assert sent.email_state == "sent"
    [got] = [m for m in mailbox.to(principal["email"]) if marker in str(m.message)]
    assert got.message["From"] == "Tablemesh <mesh@tablemesh.test>"
    assert got.message["Subject"] == "Your tablemesh password was changed"

    me = bearer(ada["access_token"])

    def unread_ids() -> list[str]:
        listed = gateway.get("/api/v1/notifications", params={"unread_only": "true"}, headers=me)
        assert listed.status_code == 200, listed.text
        items = listed.json().get("notifications", [])
        assert listed.json().get("unread_count", 0) == len(items)
        return [n["id"] for n in items]

    assert sent.id in unread_ids()
    other = register(gateway)
    refused = gateway.post(
        f"/api/v1/notifications/{sent.id}:read", json={}, headers=bearer(other["access_token"])
    )
    assert refused.status_code == 404, refused.text
    read = gateway.post(f"/api/v1/notifications/{sent.id}:read", json={}, headers=me)
    assert read.status_code == 200 and read.json()["notification"]["read"] is True
    assert sent.id not in unread_ids()
    assert gateway.get("/api/v1/notifications").status_code == 401


def test_templates_through_the_gateway(gateway: httpx.Client) -> None:
    admin = bearer(register(gateway)["access_token"])
    bad = gateway.post(
        "/api/v1/notifications/templates",
        json={"name": "Bad!", "subject": "", "body": "x"},
        headers=admin,
    )
    assert bad.status_code == 400, bad.text
    created = gateway.post(
        "/api/v1/notifications/templates",
        json={"name": "digest", "subject": "Digest for $day", "body": "$count new"},
        headers=admin,
    )
    assert created.status_code == 200, created.text
    patched = gateway.patch(
        "/api/v1/notifications/templates/digest", json={"body": "$count new items"}, headers=admin
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["template"]["subject"] == "Digest for $day"
    listed = gateway.get("/api/v1/notifications/templates", headers=admin)
    assert {"digest", "welcome"} <= {t["name"] for t in listed.json()["templates"]}
