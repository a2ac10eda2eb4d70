"""Helpers of the REST tests: calls through Envoy with tokens from real registrations and
invitations, and what a google.rpc.Status JSON body says."""

from __future__ import annotations

import uuid
from typing import Any

import httpx


def ok(reply: httpx.Response) -> Any:
    assert reply.status_code == 200, reply.text
    return reply.json()


def bearer(account: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {account['access_token']}"}


def invite(http: httpx.Client, admin: dict[str, Any]) -> dict[str, Any]:
    email = f"i{uuid.uuid4().hex[:10]}@example.com"
    made = ok(
        http.post(
            "/api/v1/auth/invitations",
            json={"email": email, "role": "member"},
            headers=bearer(admin),
        )
    )
    body = {"password": "member pass 1", "first_name": "Grace", "last_name": "Hopper"}
    body["token"] = made["token"]
    return dict(ok(http.post("/api/v1/auth/invitations:accept", json=body)))


def new_base(http: httpx.Client, account: dict[str, Any], workspace_id: str = "") -> str:
    """A base of the account's tenant, made through the airtable service's REST route (in
    the workspace, when given: tenant admins may leave it out)."""
    body = {"name": "Projects", "workspace_id": workspace_id}
    made = ok(http.post("/api/v1/bases", json=body, headers=bearer(account)))
    return str(made["base"]["id"])


def violations(reply: httpx.Response) -> set[str]:
    return {
        v["field"] for d in reply.json().get("details", []) for v in d.get("field_violations", [])
    }


def status(reply: httpx.Response) -> tuple[int, int, str, str]:
    """HTTP status, and the google.rpc.Status body's code, message and ErrorInfo reason."""
    body = reply.json()
    reasons = [d["reason"] for d in body.get("details", []) if "reason" in d]
    return reply.status_code, body.get("code", 0), body.get("message", ""), "".join(reasons)
