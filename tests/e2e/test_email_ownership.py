"""Nobody can squat or probe another tenant's addresses (README: who owns an address)."""

from __future__ import annotations

import uuid

import psycopg

from tests.e2e.mesh import Mesh, bearer


def new_email() -> str:
    return f"o{uuid.uuid4().hex[:10]}@example.com"


def profiles_with(mesh: Mesh, email: str) -> int:
    with psycopg.connect(mesh.database_url) as conn:
        row = conn.execute("SELECT count(*) FROM users.profiles WHERE email = %s", (email,))
        found = row.fetchone()
    assert found is not None
    return int(found[0])


def test_an_admin_cannot_create_a_user_and_the_address_stays_free(mesh: Mesh) -> None:
    admin = mesh.register()
    email = new_email()
    reply = mesh.http.post(
        "/api/v1/users",
        json={"email": email, "first_name": "Squat", "last_name": "Ter"},
        headers=bearer(admin["access_token"]),
    )
    assert reply.status_code == 403, reply.text
    assert reply.json()["message"].startswith("users join by signing up or accepting an invitation")
    assert profiles_with(mesh, email) == 0
    assert mesh.register(email=email)["email"] == email


def test_inviting_an_address_of_another_tenant_looks_like_any_invitation(mesh: Mesh) -> None:
    admin = mesh.register()
    elsewhere = mesh.register()
    replies = [
        mesh.http.post(
            "/api/v1/auth/invitations",
            json={"email": email, "role": "member"},
            headers=bearer(admin["access_token"]),
        )
        for email in (elsewhere["email"], new_email())
    ]
    assert [r.status_code for r in replies] == [200, 200]
    assert [r.json()["invitation"]["state"] for r in replies] == ["pending", "pending"]
    # The owner's account is untouched and still signs in.
    login = {"email": elsewhere["email"], "password": elsewhere["password"]}
    assert mesh.http.post("/api/v1/auth/login", json=login).status_code == 200
