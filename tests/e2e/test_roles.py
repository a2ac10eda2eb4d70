"""Role limits a person meets through Envoy."""

from __future__ import annotations

import psycopg

from tests.e2e.mesh import Mesh, bearer


def workspaces_owned_by(mesh: Mesh, user_id: str) -> int:
    with psycopg.connect(mesh.database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM workspaces.workspaces WHERE owner_user_id = %s", (user_id,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_a_viewer_cannot_create_a_workspace(mesh: Mesh) -> None:
    admin = mesh.register()
    viewer = mesh.invite(admin["access_token"], role="viewer")
    reply = mesh.http.post(
        "/api/v1/workspaces",
        json={"name": "Viewer's own"},
        headers=bearer(viewer["access_token"]),
    )
    assert reply.status_code == 403, reply.text
    assert reply.json()["message"] == (
        "viewers cannot create workspaces; an admin can change your role"
    )
    assert workspaces_owned_by(mesh, viewer["principal"]["user_id"]) == 0
