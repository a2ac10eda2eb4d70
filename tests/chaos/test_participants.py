"""The saga against the real participants under the launcher, through Envoy: a step that
fails for good, a lost reply, and kill -9 of every orchestrator after a step's call and
in the middle of a compensation. Faults are injected around the real methods."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from tests.chaos.world import (
    AIRTABLE,
    NOTIFICATIONS,
    WORKSPACES,
    kill_orchestrators,
    onboarding,
    rows_of,
    rule,
    set_faults,
    steps,
    stored,
    wait_until,
    world_of,
)
from tests.e2e.mesh import Mesh

NOTHING = {"workspaces": 0, "grants": 0, "bases": 0, "links": 0, "notifications": 0}
ONE_EACH = {"workspaces": 1, "grants": 1, "bases": 1, "links": 1, "notifications": 1}


def when(step: dict[str, object]) -> datetime:
    return datetime.fromisoformat(str(step["update_time"]))


def test_a_step_failing_for_good_is_undone_in_every_service(mesh: Mesh) -> None:
    set_faults(mesh, rule(AIRTABLE + "CreateBase", "fail", code="PERMISSION_DENIED"))
    account = mesh.register()
    saga = onboarding(mesh, account["access_token"])

    assert saga["state"] == "compensated", saga
    s = steps(saga)
    assert s["create_sample_base"]["state"] == "failed"
    assert "PERMISSION_DENIED" in s["create_sample_base"]["error"]
    assert s["link_sample_base"]["state"] == s["send_welcome"]["state"] == "pending"
    assert s["create_workspace"]["state"] == "compensated"
    world = world_of(mesh, account)  # the account itself (its profile) stays
    assert world.profile and world.counts == NOTHING


@pytest.mark.parametrize(
    ("method", "step"),
    [
        (WORKSPACES + "CreateWorkspace", "create_workspace"),
        (AIRTABLE + "CreateBase", "create_sample_base"),
        (WORKSPACES + "LinkBase", "link_sample_base"),
        (NOTIFICATIONS + "Send", "send_welcome"),
    ],
)
def test_a_lost_reply_is_retried_and_creates_nothing_new(
    mesh: Mesh, method: str, step: str
) -> None:
    set_faults(mesh, rule(method, "lost_reply", once=True))
    account = mesh.register()
    saga = onboarding(mesh, account["access_token"])

    assert saga["state"] == "completed", saga
    assert steps(saga)[step]["attempts"] == 2  # the first reply was lost
    assert world_of(mesh, account).counts == ONE_EACH
    assert rows_of(mesh, account["principal"]["tenant_id"]) == ONE_EACH


def test_kill_9_after_a_call_and_before_its_log_write(mesh: Mesh) -> None:
    set_faults(mesh, rule(AIRTABLE + "CreateBase", "hold", once=True, seconds=60))
    account = mesh.register()
    tenant = account["principal"]["tenant_id"]
    # The base exists, but its reply is held: the saga log still says "running".
    wait_until(lambda: rows_of(mesh, tenant)["bases"] == 1, "the sample base")
    kill_orchestrators(mesh)

    saga = onboarding(mesh, account["access_token"])
    assert saga["state"] == "completed", saga
    assert steps(saga)["create_sample_base"]["attempts"] == 2
    assert world_of(mesh, account).counts == ONE_EACH
    assert rows_of(mesh, tenant) == ONE_EACH  # the resumed call made nothing new


def test_kill_9_in_the_middle_of_compensation(mesh: Mesh) -> None:
    set_faults(
        mesh,
        rule(NOTIFICATIONS + "Send", "fail", code="PERMISSION_DENIED"),
        rule(AIRTABLE + "DeleteBase", "hold", once=True, seconds=60),
    )
    account = mesh.register()
    tenant = account["principal"]["tenant_id"]
    deleted = "SELECT count(*) FROM airtable.bases WHERE tenant_id = %s AND deleted_at IS NOT NULL"
    wait_until(lambda: stored(mesh, deleted, tenant) == 1, "the compensating DeleteBase")
    kill_orchestrators(mesh)

    saga = onboarding(mesh, account["access_token"])
    assert saga["state"] == "compensated", saga
    s = steps(saga)
    names = ("create_workspace", "create_sample_base", "link_sample_base")
    assert [s[n]["state"] for n in names] == ["compensated"] * 3
    assert s["create_sample_base"]["compensation_attempts"] >= 2  # resumed after the kill
    world = world_of(mesh, account)
    assert world.profile and world.counts == NOTHING
    # What stays are tombstones: the deleted workspace and base, the revoked grant.
    tombstones = {"workspaces": 1, "grants": 1, "bases": 1, "links": 0, "notifications": 0}
    assert rows_of(mesh, tenant) == tombstones


def test_a_mesh_that_injects_faults_says_so(mesh: Mesh) -> None:
    status = mesh.cli("status", check=False)
    assert "fault injection on" in status.stdout, status.stdout
    logged = (mesh.var_dir / "logs" / "workspaces.log").read_text()
    assert "fault injection is on" in logged


def test_a_registration_while_users_refuses_gets_its_profile_from_the_event(mesh: Mesh) -> None:
    """Auth's own call for the profile fails; the account stands, and the users service
    makes the profile from the user.registered event."""
    refused = {
        "method": "/tablemesh.users.v1.UsersService/CreateUser",
        "fault": "unavailable",
        "caller": "service:auth",
    }
    set_faults(mesh, refused)
    account = mesh.register()
    lines = (mesh.var_dir / "logs" / "auth.log").read_text().splitlines()
    left = [json.loads(line) for line in lines if "profile left to the" in line]
    assert account["principal"]["user_id"] in [e["user_id"] for e in left]  # its call failed
    wait_until(lambda: world_of(mesh, account).profile, "the profile made from the event")
    set_faults(mesh)
    saga = onboarding(mesh, account["access_token"])
    assert saga["state"] == "completed", saga
    login = mesh.http.post(
        "/api/v1/auth/login", json={"email": account["email"], "password": account["password"]}
    )
    assert login.status_code == 200, login.text
