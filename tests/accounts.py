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
