"""Workspaces and permissions through Envoy's REST routes, on the shared mesh booted by the
launcher (tests/conftest.py: e2e_mesh): tokens from real registrations and invitations."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.accounts import register
from tests.e2e.mesh import Mesh
from tests.workspaces.rest import bearer, invite, new_base, ok, status, violations


@pytest.fixture(scope="module")
def http(e2e_mesh: Mesh) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=e2e_mesh.base_url, timeout=30) as client:
        yield client


def test_workspace_life_through_rest(http: httpx.Client) -> None:
    admin = register(http)
    member = invite(http, admin)
    member_id = member["principal"]["user_id"]

    made = ok(http.post("/api/v1/workspaces", json={"name": "Team"}, headers=bearer(admin)))
    ws = made["workspace"]
    assert ws["owner_user_id"] == admin["principal"]["user_id"]
    path = f"/api/v1/workspaces/{ws['id']}"

    # Not a member yet: the workspace does not exist for them.
    assert http.get(path, headers=bearer(member)).status_code == 404
    added = ok(
        http.post(
            f"{path}/members", json={"user_id": member_id, "role": "viewer"}, headers=bearer(admin)
        )
    )
    assert added["member"]["role"] == "viewer"
    assert ok(http.get(path, headers=bearer(member)))["workspace"]["name"] == "Team"
    refused = http.patch(path, json={"name": "Mine"}, headers=bearer(member))
    assert refused.status_code == 403, refused.text

    renamed = http.patch(f"{path}?update_mask=name", json={"name": "Team 2"}, headers=bearer(admin))
    assert ok(renamed)["workspace"]["name"] == "Team 2"
    ok(http.patch(f"{path}/members/{member_id}", json={"role": "admin"}, headers=bearer(admin)))
    # A workspace admin's new base goes into the workspace (linking it again changes nothing).
    base_id = new_base(http, member, ws["id"])
    linked = http.post(f"{path}/bases", json={"base_id": base_id}, headers=bearer(member))
    assert ok(linked)["linked_base"]["base_id"] == base_id
    bases = ok(http.get(f"{path}/bases", headers=bearer(member)))["linked_bases"]
    assert [b["base_id"] for b in bases] == [base_id]
    roles = ok(http.get(f"{path}/members", headers=bearer(member)))["members"]
    assert sorted(m["role"] for m in roles) == ["admin", "owner"]
    on_base = {"subject": member_id, "resource": f"base:{base_id}", "action": "admin"}
    inherited = ok(http.post("/api/v1/permissions:check", json=on_base, headers=bearer(member)))
    assert inherited["allowed"] is True and inherited["role"] == "admin", inherited

    check = ok(
        http.post(
            "/api/v1/permissions:check",
            json={"subject": member_id, "resource": f"workspace:{ws['id']}", "action": "write"},
            headers=bearer(member),
        )
    )
    assert check["allowed"] is True and check["role"] == "admin"
    listed = ok(
        http.get(
            "/api/v1/permissions",
            params={"resource": f"workspace:{ws['id']}"},
            headers=bearer(admin),
        )
    )["permissions"]
    viewer_entry = next(p for p in listed if p["subject"] == member_id)
    ok(
        http.post(
            f"/api/v1/permissions/{viewer_entry['id']}:revoke", json={}, headers=bearer(admin)
        )
    )
    ok(
        http.post(
            f"/api/v1/permissions/{viewer_entry['id']}:revoke", json={}, headers=bearer(admin)
        )
    )
    assert http.get(path, headers=bearer(member)).status_code == 404
    assert http.get(f"/api/v1/bases/{base_id}/tables", headers=bearer(member)).status_code == 404

    ok(http.delete(path, headers=bearer(admin)))
    ok(http.delete(path, headers=bearer(admin)))
    assert http.get(path, headers=bearer(admin)).status_code == 404


def test_bad_input_and_other_tenants_through_rest(http: httpx.Client) -> None:
    admin, stranger = register(http), register(http)
    empty = http.post("/api/v1/workspaces", json={"name": ""}, headers=bearer(admin))
    assert empty.status_code == 400 and violations(empty) == {"workspace.name"}
    ws = ok(http.post("/api/v1/workspaces", json={"name": "Mine"}, headers=bearer(admin)))
    path = f"/api/v1/workspaces/{ws['workspace']['id']}"
    bad_base = http.post(f"{path}/bases", json={"base_id": "app1"}, headers=bearer(admin))
    assert bad_base.status_code == 400 and violations(bad_base) == {"base_id"}
    bad_check = http.post(
        "/api/v1/permissions:check",
        json={"subject": "x", "resource": "planet:1", "action": "fly"},
        headers=bearer(admin),
    )
    assert bad_check.status_code == 400
    assert violations(bad_check) == {"subject", "resource", "action"}
    assert http.get(path, headers=bearer(stranger)).status_code == 404
    assert http.patch(path, json={"name": "x"}, headers=bearer(stranger)).status_code == 404
    foreign = http.post(
        "/api/v1/permissions:check",
        json={
            "subject": stranger["principal"]["user_id"],
            "resource": f"workspace:{ws['workspace']['id']}",
            "action": "read",
        },
        headers=bearer(stranger),
    )
    assert ok(foreign)["allowed"] is False
    assert http.get("/api/v1/workspaces", headers={}).status_code == 401
    mine = ok(http.get("/api/v1/workspaces", headers=bearer(admin)))["workspaces"]
    assert ws["workspace"]["id"] in {w["id"] for w in mine}


def test_unknown_members_and_bases_are_not_found_through_rest(http: httpx.Client) -> None:
    admin, stranger = register(http), register(http)
    ws = ok(http.post("/api/v1/workspaces", json={"name": "Refs"}, headers=bearer(admin)))
    path = f"/api/v1/workspaces/{ws['workspace']['id']}"
    members_before = ok(http.get(f"{path}/members", headers=bearer(admin)))["members"]
    # An unknown user id, and a user of another tenant, are both "not found".
    for user_id in (str(uuid.uuid4()), stranger["principal"]["user_id"]):
        body = {"user_id": user_id, "role": "member"}
        added = http.post(f"{path}/members", json=body, headers=bearer(admin))
        assert status(added) == (404, 5, f"user {user_id} not found", "USER_NOT_FOUND")
    assert ok(http.get(f"{path}/members", headers=bearer(admin)))["members"] == members_before
    for base_id in ("appZZZZZZZZZZZZZZ", new_base(http, stranger)):
        linked = http.post(f"{path}/bases", json={"base_id": base_id}, headers=bearer(admin))
        assert status(linked) == (404, 5, f"base {base_id} not found", "BASE_NOT_FOUND")
    assert ok(http.get(f"{path}/bases", headers=bearer(admin))).get("linked_bases", []) == []

    # A user of the tenant and a base of the tenant are accepted.
    member = invite(http, admin)
    body = {"user_id": member["principal"]["user_id"], "role": "viewer"}
    ok(http.post(f"{path}/members", json=body, headers=bearer(admin)))
    base_id = new_base(http, admin)
    ok(http.post(f"{path}/bases", json={"base_id": base_id}, headers=bearer(admin)))
    assert len(ok(http.get(f"{path}/members", headers=bearer(admin)))["members"]) == 2
    linked = ok(http.get(f"{path}/bases", headers=bearer(admin)))["linked_bases"]
    assert [b["base_id"] for b in linked] == [base_id]

    # Nobody makes themselves owner of a workspace, a fresh one included.
    for resource in (f"workspace:{uuid.uuid4()}", f"workspace:{ws['workspace']['id']}"):
        claim = {"subject": member["principal"]["user_id"], "resource": resource, "role": "owner"}
        refused = http.post("/api/v1/permissions", json=claim, headers=bearer(member))
        assert refused.status_code == 403, refused.text
