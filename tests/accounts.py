"""People for the tests that go through Envoy: registering one, as a user would."""

from __future__ import annotations

import uuid
from typing import Any

import httpx


def register(http: httpx.Client, **overrides: str) -> dict[str, Any]:
    """Registers a new person (a new tenant's admin) through REST; the reply's tokens and
    principal, plus the email and password used."""
    body = {
        "email": f"u{uuid.uuid4().hex[:10]}@example.com",
        "password": "correct horse 1",
        "first_name": "Ada",
        "last_name": "Lovelace",
        **overrides,
    }
    reply = http.post("/api/v1/auth/register", json=body)
    assert reply.status_code == 200, reply.text
    return {**reply.json(), "email": body["email"], "password": body["password"]}


def share(
    http: httpx.Client, admin: dict[str, str], base_id: str, user_id: str, role: str = "member"
) -> str:
    """As a tenant admin (`admin`: their headers): a new workspace holding the base (none
    when base_id is empty) with the user in it in the role; answers the workspace's id.
    Workspace roles govern bases: a member of the tenant uses only their workspaces' bases."""
    name = f"Team {uuid.uuid4().hex[:6]}"
    made = http.post("/api/v1/workspaces", json={"name": name}, headers=admin)
    assert made.status_code == 200, made.text
    workspace = str(made.json()["workspace"]["id"])
    if base_id:
        path = f"/api/v1/workspaces/{workspace}/bases"
        linked = http.post(path, json={"base_id": base_id}, headers=admin)
        assert linked.status_code == 200, linked.text
    path = f"/api/v1/workspaces/{workspace}/members"
    added = http.post(path, json={"user_id": user_id, "role": role}, headers=admin)
    assert added.status_code == 200, added.text
    return workspace
