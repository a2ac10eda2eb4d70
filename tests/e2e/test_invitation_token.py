"""An invitation's token is a secret until it is used: it travels in the request body
(`POST /api/v1/auth/invitations:accept`), never in a path that access logs keep."""

from __future__ import annotations

import psycopg

from tests.e2e.mesh import Mesh

PERSON = {"password": "member pass 1", "first_name": "Grace", "last_name": "Hopper"}


def invitations_pending(mesh: Mesh, emails: list[str]) -> list[bool]:
    with psycopg.connect(mesh.database_url) as conn:
        return [
            conn.execute(
                "SELECT accepted_at IS NULL FROM auth.invitations WHERE email = %s", (email,)
            ).fetchone()
            == (True,)
            for email in emails
        ]


def test_the_token_is_accepted_from_the_body_and_never_logged(mesh: Mesh) -> None:
    admin = mesh.register()
    (email_a, token_a), (email_b, _) = (
        mesh.invitation(admin["access_token"]),
        mesh.invitation(admin["access_token"]),
    )
    in_path = mesh.http.post(f"/api/v1/auth/invitations/{token_a}:accept", json=PERSON)
    assert in_path.status_code == 404, in_path.text
    assert invitations_pending(mesh, [email_a, email_b]) == [True, True]

    accepted = mesh.http.post("/api/v1/auth/invitations:accept", json={**PERSON, "token": token_a})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["principal"]["email"] == email_a
    assert invitations_pending(mesh, [email_a, email_b]) == [False, True]
    # Only the refused old-style request above may have put it in the gateway's log.
    logged = (mesh.var_dir / "logs" / "envoy.log").read_text().splitlines()
    lines = [line for line in logged if token_a in line]
    assert len(lines) <= 1 and all(f"/invitations/{token_a}:accept" in line for line in lines)


def test_a_missing_or_unknown_token_is_refused(mesh: Mesh) -> None:
    missing = mesh.http.post("/api/v1/auth/invitations:accept", json=PERSON)
    assert missing.status_code == 400, missing.text
    assert missing.json()["message"].startswith("token")
    unknown = mesh.http.post(
        "/api/v1/auth/invitations:accept", json={**PERSON, "token": "tmi_" + "x" * 43}
    )
    assert unknown.status_code in (400, 404), unknown.text
