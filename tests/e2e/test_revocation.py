"""An account change ends the account's existing access tokens at once, through Envoy:
deactivation, a password change and a role demotion. Tokens issued afterwards work."""

from __future__ import annotations

from typing import Any

from tests.e2e.mesh import Mesh, bearer


def me(mesh: Mesh, token: str) -> int:
    return mesh.http.get("/api/v1/users/me", headers=bearer(token)).status_code


def login(mesh: Mesh, email: str, password: str) -> Any:
    return mesh.http.post("/api/v1/auth/login", json={"email": email, "password": password})


def assert_revoked(mesh: Mesh, token: str) -> None:
    reply = mesh.http.get("/api/v1/users/me", headers=bearer(token))
    assert reply.status_code == 401, reply.text
    assert "revoked" in reply.json()["message"]


def test_a_password_change_ends_every_token_of_the_account(mesh: Mesh) -> None:
    person = mesh.register()
    other_session = login(mesh, person["email"], person["password"]).json()["access_token"]
    changed = mesh.http.post(
        "/api/v1/auth/change-password",
        json={"current_password": person["password"], "new_password": "a new pass 2"},
        headers=bearer(person["access_token"]),
    )
    assert changed.status_code == 200, changed.text
    assert_revoked(mesh, person["access_token"])
    assert_revoked(mesh, other_session)
    assert login(mesh, person["email"], person["password"]).status_code == 401
    fresh = login(mesh, person["email"], "a new pass 2")
    assert fresh.status_code == 200, fresh.text
    assert me(mesh, fresh.json()["access_token"]) == 200


def test_a_wrong_current_password_changes_and_revokes_nothing(mesh: Mesh) -> None:
    person = mesh.register()
    refused = mesh.http.post(
        "/api/v1/auth/change-password",
        json={"current_password": "not it at all", "new_password": "a new pass 2"},
        headers=bearer(person["access_token"]),
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["message"] == "current_password: is not correct"
    assert me(mesh, person["access_token"]) == 200
    assert login(mesh, person["email"], person["password"]).status_code == 200


def test_deactivation_and_deletion_end_the_tokens(mesh: Mesh) -> None:
    admin = mesh.register()
    admin_token = admin["access_token"]
    deactivated, deleted = mesh.invite(admin_token), mesh.invite(admin_token)
    assert me(mesh, deactivated["access_token"]) == 200
    reply = mesh.http.patch(
        f"/api/v1/users/{deactivated['principal']['user_id']}",
        json={"is_active": False},
        params={"update_mask": "is_active"},
        headers=bearer(admin_token),
    )
    assert reply.status_code == 200, reply.text
    assert_revoked(mesh, deactivated["access_token"])
    assert login(mesh, deactivated["email"], deactivated["password"]).status_code == 403
    reply = mesh.http.delete(
        f"/api/v1/users/{deleted['principal']['user_id']}", headers=bearer(admin_token)
    )
    assert reply.status_code == 200, reply.text
    assert_revoked(mesh, deleted["access_token"])
    # The admin who did it keeps working.
    assert me(mesh, admin_token) == 200


def test_a_demotion_ends_the_tokens_and_a_fresh_login_has_the_new_role(mesh: Mesh) -> None:
    admin = mesh.register()
    member = mesh.invite(admin["access_token"], role="admin")
    reply = mesh.http.patch(
        f"/api/v1/users/{member['principal']['user_id']}",
        json={"role": "viewer"},
        params={"update_mask": "role"},
        headers=bearer(admin["access_token"]),
    )
    assert reply.status_code == 200, reply.text
    assert_revoked(mesh, member["access_token"])
    fresh = login(mesh, member["email"], member["password"])
    assert fresh.status_code == 200, fresh.text
    got = mesh.http.get("/api/v1/users/me", headers=bearer(fresh.json()["access_token"]))
    assert got.status_code == 200 and got.json()["user"]["role"] == "viewer"


def test_a_change_that_takes_nothing_away_keeps_the_tokens(mesh: Mesh) -> None:
    admin = mesh.register()
    member = mesh.invite(admin["access_token"], role="viewer")
    reply = mesh.http.patch(
        f"/api/v1/users/{member['principal']['user_id']}",
        json={"role": "member", "bio": "promoted"},
        params={"update_mask": "role,bio"},
        headers=bearer(admin["access_token"]),
    )
    assert reply.status_code == 200, reply.text
    assert me(mesh, member["access_token"]) == 200
