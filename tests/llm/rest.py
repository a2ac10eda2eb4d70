"""REST helpers for the tests that drive a launcher mesh through Envoy."""

from __future__ import annotations

from typing import Any

import httpx

from tests.accounts import register


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ok(reply: httpx.Response) -> Any:
    assert reply.status_code == 200, reply.text
    return reply.json()


def sign_up(http: httpx.Client) -> dict[str, str]:
    return bearer(register(http)["access_token"])


def projects_base(http: httpx.Client, auth: dict[str, str], workspace_id: str = "") -> str:
    """A base "Work" with a Projects table of 2 records (3 calls), in the workspace if given
    (a tenant admin may leave it out)."""
    body = {"name": "Work", "workspace_id": workspace_id}
    base_id = str(ok(http.post("/api/v1/bases", json=body, headers=auth))["base"]["id"])
    fields = [{"name": "Name", "type": "singleLineText"}, {"name": "Hours", "type": "number"}]
    table = ok(
        http.post(
            f"/api/v1/bases/{base_id}/tables",
            json={"name": "Projects", "fields": fields},
            headers=auth,
        )
    )["table"]
    rows = [
        {"fields": {"Name": "Apollo", "Hours": 12}},
        {"fields": {"Name": "Gemini", "Hours": 30}},
    ]
    ok(
        http.post(
            f"/api/v1/bases/{base_id}/tables/{table['id']}/records",
            json={"records": rows},
            headers=auth,
        )
    )
    return base_id
