"""What a registered person's onboarding left in every service, read back the way a user
would (REST through Envoy, with their own token), plus the saga service's faults helpers."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from dataclasses import dataclass
from typing import Any

import psycopg

from services.runtime.cache import create_redis
from services.runtime.faults import set_rules
from tests.e2e.mesh import Mesh, bearer

SAGA_CALLER = "service:saga"
WORKSPACES = "/tablemesh.workspaces.v1.WorkspacesService/"
AIRTABLE = "/tablemesh.airtable.v1.AirtableService/"
NOTIFICATIONS = "/tablemesh.notifications.v1.NotificationsService/"
# The services the onboarding saga calls (users makes the profile from the event, and
# workspaces makes the owner's grant as itself: neither is a call of the saga's).
PARTICIPANTS = (WORKSPACES, AIRTABLE, NOTIFICATIONS)


def rule(method: str, fault: str, **options: Any) -> dict[str, Any]:
    """A fault rule that only hits the saga orchestrator's calls."""
    return {"method": method, "fault": fault, "caller": SAGA_CALLER, **options}


def set_faults(mesh: Mesh, *rules: dict[str, Any]) -> None:
    """Replaces the mesh's fault rules (none: clears them) as `tablemesh faults set` does,
    but in this process: the command is a Python start-up a call, three a test (it has its
    own tests in tests/launcher/test_faults_cli.py)."""

    async def apply() -> None:
        redis = create_redis(mesh.redis_url())
        try:
            await set_rules(redis, list(rules), actor="operator:chaos-tests")
        finally:
            await redis.aclose()

    asyncio.run(apply())
    time.sleep(0.6)  # every process re-reads the rules within half a second


@dataclass
class World:
    """One person's resources across the services."""

    user_id: str
    profile: bool
    workspaces: list[dict[str, Any]]
    grants: list[dict[str, Any]]
    bases: list[dict[str, Any]]
    # The bases linked to their workspaces.
    links: list[dict[str, Any]]
    notifications: list[dict[str, Any]]

    @property
    def counts(self) -> dict[str, int]:
        return {
            "workspaces": len(self.workspaces),
            "grants": len(self.grants),
            "bases": len(self.bases),
            "links": len(self.links),
            "notifications": len(self.notifications),
        }


def items(mesh: Mesh, path: str, key: str, token: str, **params: str) -> list[dict[str, Any]]:
    reply = mesh.http.get(path, headers=bearer(token), params=params)
    assert reply.status_code == 200, reply.text
    return list(reply.json().get(key, []))


def world_of(mesh: Mesh, account: dict[str, Any]) -> World:
    token = account["access_token"]
    user_id = account["principal"]["user_id"]
    me = mesh.http.get("/api/v1/users/me", headers=bearer(token))
    workspaces = items(mesh, "/api/v1/workspaces", "workspaces", token)
    links = [
        link
        for ws in workspaces
        for link in items(mesh, f"/api/v1/workspaces/{ws['id']}/bases", "linked_bases", token)
    ]
    return World(
        user_id=user_id,
        profile=me.status_code == 200 and me.json()["user"]["id"] == user_id,
        workspaces=workspaces,
        grants=items(mesh, "/api/v1/permissions", "permissions", token, subject=user_id),
        bases=items(mesh, "/api/v1/bases", "bases", token),
        links=links,
        notifications=items(mesh, "/api/v1/notifications", "notifications", token),
    )


def onboarding(mesh: Mesh, token: str, wait: float = 60) -> dict[str, Any]:
    """The caller's user_onboarding saga once it has finished."""
    deadline = time.monotonic() + wait
    found: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        listed = mesh.http.get("/api/v1/sagas", headers=bearer(token))
        if listed.status_code == 503:  # every saga worker was just killed: ask again
            time.sleep(0.25)
            continue
        assert listed.status_code == 200, listed.text
        found = listed.json().get("sagas", [])
        sagas = [s for s in found if s["type"] == "user_onboarding"]
        if sagas and sagas[0]["state"] not in ("running", "compensating"):
            reply = mesh.http.get(f"/api/v1/sagas/{sagas[0]['id']}", headers=bearer(token))
            assert reply.status_code == 200, reply.text
            return dict(reply.json()["saga"])
        time.sleep(0.25)
    raise AssertionError(f"the onboarding saga did not finish within {wait} s: {found}")


def steps(saga: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in saga["steps"]}


def counted(conn: psycopg.Connection[Any], query: str, *params: object) -> int:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return int(row[0])


def stored(mesh: Mesh, query: str, *params: object) -> int:
    """One number from the mesh's own database (what a service really stored)."""
    with psycopg.connect(mesh.database_url) as conn:
        return counted(conn, query, *params)


def kill_orchestrators(mesh: Mesh) -> None:
    """kill -9 every saga worker, then wait until the launcher has restarted them."""
    victims = mesh.pids("saga")
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    mesh.wait_replaced("saga", victims)


def rows_of(mesh: Mesh, tenant_id: str) -> dict[str, int]:
    """Every row the onboarding's steps ever stored for a tenant, deleted ones included: a
    step that took effect twice shows up here as a 2."""
    queries = {
        "workspaces": "SELECT count(*) FROM workspaces.workspaces WHERE tenant_id::text = %s",
        "grants": "SELECT count(*) FROM permissions.entries WHERE tenant_id::text = %s",
        "bases": "SELECT count(*) FROM airtable.bases WHERE tenant_id = %s",
        "links": "SELECT count(*) FROM workspaces.linked_bases WHERE tenant_id::text = %s",
        "notifications": (
            "SELECT count(*) FROM notifications.notifications WHERE tenant_id::text = %s"
        ),
    }
    with psycopg.connect(mesh.database_url) as conn:
        return {name: counted(conn, query, tenant_id) for name, query in queries.items()}


def wait_until(condition: Any, what: str, wait: float = 30) -> None:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")
