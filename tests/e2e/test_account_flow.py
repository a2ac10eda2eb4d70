"""A new user's whole journey through Envoy's REST API."""

from __future__ import annotations

import time
import uuid

from tests.e2e.mesh import Mesh, bearer


def test_register_login_me_refresh_logout(mesh: Mesh) -> None:
    account = mesh.register()
    assert account["token_type"] == "Bearer" and account["expires_in"] > 0
    assert account["principal"]["role"] == "admin"

    login = mesh.http.post(
        "/api/v1/auth/login", json={"email": account["email"], "password": account["password"]}
    )
    assert login.status_code == 200, login.text
    tokens = login.json()
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}

    me = mesh.http.get("/api/v1/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200 and me.json()["principal"]["email"] == account["email"]
    profile = mesh.http.get("/api/v1/users/me", headers=bearer(tokens["access_token"]))
    assert profile.status_code == 200, profile.text
    assert profile.json()["user"]["email"] == account["email"]
    assert profile.json()["user"]["tenant_id"] == account["principal"]["tenant_id"]
    assert profile.json()["user"]["last_login_time"], "login is recorded on the profile"

    refreshed = mesh.http.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text
    new = refreshed.json()
    assert new["refresh_token"] != tokens["refresh_token"]

    out = mesh.http.post(
        "/api/v1/auth/logout",
        json={"refresh_token": new["refresh_token"]},
        headers=bearer(new["access_token"]),
    )
    assert out.status_code == 200, out.text
    for path in ("/api/v1/auth/me", "/api/v1/users/me"):
        after = mesh.http.get(path, headers=bearer(new["access_token"]))
        assert after.status_code == 401, (path, after.text)
        assert "revoked" in after.json()["message"]
    again = mesh.http.post("/api/v1/auth/refresh", json={"refresh_token": new["refresh_token"]})
    assert again.status_code == 401


def test_change_password_revokes_sessions(mesh: Mesh) -> None:
    account = mesh.register()
    changed = mesh.http.post(
        "/api/v1/auth/change-password",
        json={"current_password": account["password"], "new_password": "a brand new pass"},
        headers=bearer(account["access_token"]),
    )
    assert changed.status_code == 200, changed.text
    old = mesh.http.post(
        "/api/v1/auth/login", json={"email": account["email"], "password": account["password"]}
    )
    assert old.status_code == 401
    new = mesh.http.post(
        "/api/v1/auth/login", json={"email": account["email"], "password": "a brand new pass"}
    )
    assert new.status_code == 200
    stale = mesh.http.post("/api/v1/auth/refresh", json={"refresh_token": account["refresh_token"]})
    assert stale.status_code == 401


def test_admin_manages_tenant_users(mesh: Mesh) -> None:
    admin = mesh.register()
    token = admin["access_token"]
    member = mesh.invite(token)
    assert member["principal"]["tenant_id"] == admin["principal"]["tenant_id"]
    assert member["principal"]["role"] == "member"

    listed = mesh.http.get("/api/v1/users", params={"order_by": "email"}, headers=bearer(token))
    assert listed.status_code == 200, listed.text
    emails = [u["email"] for u in listed.json()["users"]]
    assert sorted(emails) == sorted([admin["email"], member["email"]])
    assert listed.json()["total_size"] == 2

    member_id = member["principal"]["user_id"]
    patched = mesh.http.patch(
        f"/api/v1/users/{member_id}",
        params={"update_mask": "role,bio"},
        json={"role": "viewer", "bio": "Compiler pioneer"},
        headers=bearer(token),
    )
    assert patched.status_code == 200, patched.text
    assert (
        patched.json()["user"]["role"] == "viewer"
        and patched.json()["user"]["bio"] == "Compiler pioneer"
    )

    stats = mesh.http.get("/api/v1/users/stats", headers=bearer(token)).json()
    assert stats["total"] == 2 and stats["by_role"] == {"admin": 1, "viewer": 1}

    deleted = mesh.http.delete(f"/api/v1/users/{member_id}", headers=bearer(token))
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["user"]["delete_time"]
    gone = mesh.http.get(f"/api/v1/users/{member_id}", headers=bearer(token))
    assert gone.status_code == 404
    login = mesh.http.post(
        "/api/v1/auth/login", json={"email": member["email"], "password": member["password"]}
    )
    assert login.status_code in (401, 403), "a deleted user cannot sign in"


def test_status_shows_every_service_serving(mesh: Mesh) -> None:
    # Exit 0: everything healthy. Each probe waits 3 s, which a machine saturated for a
    # moment (the chaos mesh's soak runs beside this slice) can use up for every probe at
    # once: asked again then, as a person would.
    for _ in range(3):
        shown = mesh.cli("status", check=False)
        if shown.returncode == 0:
            break
    assert shown.returncode == 0, shown.stdout + shown.stderr
    for spec in mesh.services:
        assert spec.name in shown.stdout
    assert shown.stdout.count("SERVING") >= len(mesh.services)
    # The shared mesh's model provider is the OpenAI double: no model service runs.
    assert "model" not in {s.name for s in mesh.services}
    assert "127.0.0.1:" + str(mesh.port("model")) not in shown.stdout
    assert "fault injection" not in shown.stdout  # only when switched on


def test_mesh_health_is_public(mesh: Mesh) -> None:
    reply = mesh.http.get("/api/v1/health")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["status"] == "healthy"
    names = {s["name"]: s for s in body["services"]}
    assert {"auth", "users", "platform"} <= set(names)
    assert all(s["status"] == "SERVING" and s["latency_ms"] > 0 for s in names.values())
    dependencies = {d["name"]: d for d in body["dependencies"]}
    assert list(dependencies) == ["postgres", "redis", "envoy"]
    assert all(d["status"] == "SERVING" for d in dependencies.values()), dependencies
    # A public answer: no data store address (a socket path, credentials).
    assert dependencies["postgres"]["address"] == dependencies["redis"]["address"] == ""


def test_secrets_never_reach_the_logs(mesh: Mesh) -> None:
    password = f"secret-{uuid.uuid4().hex}"
    account = mesh.register(password=password)
    login = mesh.http.post(
        "/api/v1/auth/login", json={"email": account["email"], "password": password}
    ).json()
    mesh.http.post("/api/v1/auth/login", json={"email": account["email"], "password": "x" * 9})
    mesh.http.get("/api/v1/users/me", headers=bearer(login["access_token"]))
    time.sleep(1.5)  # Envoy flushes its access log every second
    logs = "".join(p.read_text(errors="replace") for p in (mesh.var_dir / "logs").glob("*.log"))
    assert '"event": "rpc"' in logs, "the access log is being written"
    for secret in (
        password,
        login["access_token"],
        login["refresh_token"],
        account["refresh_token"],
    ):
        assert secret not in logs
