"""Path ids win, through Envoy: a body (or query) naming another id than the path is a 400,
and nothing is changed. Envoy's transcoder lets the body and the query overwrite the path
binding, so without the check these calls acted on the body's id."""

from __future__ import annotations

import uuid
from typing import Any

from tests.e2e.mesh import Mesh, bearer


def assert_mismatch(reply: Any, field: str) -> None:
    assert reply.status_code == 400, reply.text
    status = reply.json()
    assert status["code"] == 3
    assert status["message"].startswith(f"{field}: the request names ")
    assert "but the path names" in status["message"]


def profile(mesh: Mesh, token: str, user_id: str) -> dict[str, Any]:
    reply = mesh.http.get(f"/api/v1/users/{user_id}", headers=bearer(token))
    assert reply.status_code == 200, reply.text
    return dict(reply.json()["user"])


def test_a_user_patch_with_another_id_in_the_body(mesh: Mesh) -> None:
    admin = mesh.register()
    member = mesh.invite(admin["access_token"])
    token, me = admin["access_token"], admin["principal"]["user_id"]
    other = member["principal"]["user_id"]
    reply = mesh.http.patch(
        f"/api/v1/users/{me}",
        json={"id": other, "bio": "written through the wrong id"},
        params={"update_mask": "bio"},
        headers=bearer(token),
    )
    assert_mismatch(reply, "user.id")
    assert profile(mesh, token, other)["bio"] == ""
    assert profile(mesh, token, me)["bio"] == ""
    # The same id in both places is fine.
    same = mesh.http.patch(
        f"/api/v1/users/{me}",
        json={"id": me, "bio": "mine"},
        params={"update_mask": "bio"},
        headers=bearer(token),
    )
    assert same.status_code == 200, same.text
    assert profile(mesh, token, me)["bio"] == "mine"


def test_a_query_parameter_cannot_overwrite_the_path_either(mesh: Mesh) -> None:
    admin = mesh.register()
    token, me = admin["access_token"], admin["principal"]["user_id"]
    reply = mesh.http.get(
        f"/api/v1/users/{me}", params={"user_id": str(uuid.uuid4())}, headers=bearer(token)
    )
    assert_mismatch(reply, "user_id")


def test_a_workspace_patch_with_another_id_in_the_body(mesh: Mesh) -> None:
    admin = mesh.register()
    token = admin["access_token"]
    made = [
        mesh.http.post("/api/v1/workspaces", json={"name": name}, headers=bearer(token))
        for name in ("First", "Second")
    ]
    assert [m.status_code for m in made] == [200, 200]
    first, second = (m.json()["workspace"]["id"] for m in made)
    reply = mesh.http.patch(
        f"/api/v1/workspaces/{first}",
        json={"id": second, "name": "Renamed"},
        params={"update_mask": "name"},
        headers=bearer(token),
    )
    assert_mismatch(reply, "workspace.id")
    names = [
        mesh.http.get(f"/api/v1/workspaces/{ws}", headers=bearer(token)).json()["workspace"]["name"]
        for ws in (first, second)
    ]
    assert names == ["First", "Second"]


def test_a_template_patch_with_another_name_in_the_body(mesh: Mesh) -> None:
    admin = bearer(mesh.register()["access_token"])
    for name in ("digest", "reminder"):
        created = mesh.http.post(
            "/api/v1/notifications/templates",
            json={"name": name, "subject": f"{name} subject", "body": "$count new"},
            headers=admin,
        )
        assert created.status_code == 200, created.text
    reply = mesh.http.patch(
        "/api/v1/notifications/templates/digest",
        json={"name": "reminder", "subject": "changed"},
        headers=admin,
    )
    assert_mismatch(reply, "template.name")
    listed = mesh.http.get("/api/v1/notifications/templates", headers=admin).json()["templates"]
    subjects = {t["name"]: t["subject"] for t in listed}
    assert (subjects["digest"], subjects["reminder"]) == ("digest subject", "reminder subject")


def test_a_member_role_change_naming_another_user_in_the_body(mesh: Mesh) -> None:
    admin = mesh.register()
    token = admin["access_token"]
    made = mesh.http.post("/api/v1/workspaces", json={"name": "Team"}, headers=bearer(token))
    workspace = made.json()["workspace"]["id"]
    member = mesh.invite(token)["principal"]["user_id"]
    added = mesh.http.post(
        f"/api/v1/workspaces/{workspace}/members",
        json={"user_id": member, "role": "viewer"},
        headers=bearer(token),
    )
    assert added.status_code == 200, added.text
    reply = mesh.http.patch(
        f"/api/v1/workspaces/{workspace}/members/{member}",
        json={"user_id": admin["principal"]["user_id"], "role": "viewer"},
        headers=bearer(token),
    )
    assert_mismatch(reply, "user_id")
    listed = mesh.http.get(f"/api/v1/workspaces/{workspace}/members", headers=bearer(token))
    roles = {m["user_id"]: m["role"] for m in listed.json()["members"]}
    assert roles[admin["principal"]["user_id"]] == "owner"
    assert roles[member] == "viewer"
