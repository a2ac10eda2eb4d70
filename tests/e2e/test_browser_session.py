"""Browser sessions through Envoy: the refresh token in an HttpOnly cookie set by the auth
service through the gateway, the access token in the body (services/auth/browser_session)."""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any

import httpx

from services.auth.browser_session import COOKIE, COOKIE_PATH, HEADER
from tests.e2e.mesh import Mesh, bearer

BROWSER = {HEADER: "cookie"}


def session_cookie(reply: httpx.Response) -> dict[str, Any]:
    """The reply's one Set-Cookie, parsed: value and attributes (lower-case keys)."""
    (header,) = reply.headers.get_list("set-cookie")
    morsel = SimpleCookie(header)[COOKIE]
    flags = {p.strip().lower() for p in header.split(";")}
    return {"value": morsel.value, "flags": flags, **{k: v for k, v in morsel.items() if v}}


def with_cookie(value: str) -> dict[str, str]:
    return {"cookie": f"{COOKIE}={value}"}


def login(mesh: Mesh, account: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    body = {"email": account["email"], "password": account["password"]}
    return mesh.http.post("/api/v1/auth/login", json=body, headers=headers)


def refresh(mesh: Mesh, cookie: str, headers: dict[str, str] = BROWSER) -> httpx.Response:
    # Each request names its cookie: the client keeps no jar between them.
    mesh.http.cookies.clear()
    return mesh.http.post(
        "/api/v1/auth/refresh", json={}, headers={**headers, **with_cookie(cookie)}
    )


def test_a_browser_login_sets_the_cookie_and_keeps_the_token_out_of_the_body(
    mesh: Mesh,
) -> None:
    account = mesh.register()
    reply = login(mesh, account, BROWSER)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["access_token"] and body["refresh_token"] == ""
    cookie = session_cookie(reply)
    assert cookie["value"].startswith("tmr_")
    assert {"httponly", "samesite=strict", f"path={COOKIE_PATH}"} <= cookie["flags"]
    assert cookie["max-age"] == str(30 * 86400)
    assert "secure" not in cookie["flags"]  # plain http here; https or the setting adds it
    me = mesh.http.get("/api/v1/auth/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200


def test_register_and_accepting_an_invitation_can_be_browser_sessions(mesh: Mesh) -> None:
    mesh.http.cookies.clear()
    body = {"email": "b" + mesh.register()["email"], "password": "correct horse 1"}
    body |= {"first_name": "Ada", "last_name": "Lovelace"}
    registered = mesh.http.post("/api/v1/auth/register", json=body, headers=BROWSER)
    assert registered.status_code == 200, registered.text
    assert registered.json()["refresh_token"] == "" and session_cookie(registered)["value"]
    admin = registered.json()["access_token"]
    invited = mesh.http.post(
        "/api/v1/auth/invitations",
        json={"email": "m" + body["email"], "role": "member"},
        headers=bearer(admin),
    )
    token = invited.json()["token"]
    accepted = mesh.http.post(
        "/api/v1/auth/invitations:accept",
        json={"token": token, "password": "member pass 1", "first_name": "G", "last_name": "H"},
        headers=BROWSER,
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["refresh_token"] == "" and session_cookie(accepted)["value"]


def test_refresh_from_the_cookie_rotates_it_and_reuse_revokes_the_family(mesh: Mesh) -> None:
    first = session_cookie(login(mesh, mesh.register(), BROWSER))["value"]
    rotated = refresh(mesh, first)
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["access_token"] and rotated.json()["refresh_token"] == ""
    second = session_cookie(rotated)["value"]
    assert second != first
    # The old cookie is spent: presenting it again is reuse, which ends the whole family.
    reused = refresh(mesh, first)
    assert reused.status_code == 401, reused.text
    assert reused.headers.get_list("set-cookie") == []
    assert refresh(mesh, second).status_code == 401


def test_the_cookie_is_read_only_with_the_header(mesh: Mesh) -> None:
    cookie = session_cookie(login(mesh, mesh.register(), BROWSER))["value"]
    refused = refresh(mesh, cookie, headers={})
    assert refused.status_code == 400, refused.text
    assert f"send the header {HEADER}: cookie" in refused.json()["message"]
    assert refused.json()["details"][0]["field_violations"][0]["field"] == "refresh_token"
    # Refused before anything happened: the cookie still works.
    assert refresh(mesh, cookie).status_code == 200
    mesh.http.cookies.clear()
    bad = mesh.http.post("/api/v1/auth/refresh", json={}, headers={HEADER: "please"})
    assert bad.status_code == 400 and HEADER in bad.json()["message"]
    none = mesh.http.post("/api/v1/auth/refresh", json={}, headers=BROWSER)
    assert none.status_code == 400 and "no session cookie" in none.json()["message"]


def test_logout_revokes_and_clears_the_cookie(mesh: Mesh) -> None:
    reply = login(mesh, mesh.register(), BROWSER)
    cookie, access = session_cookie(reply)["value"], reply.json()["access_token"]
    mesh.http.cookies.clear()
    out = mesh.http.post(
        "/api/v1/auth/logout", json={}, headers={**BROWSER, **bearer(access), **with_cookie(cookie)}
    )
    assert out.status_code == 200, out.text
    cleared = session_cookie(out)
    assert cleared["value"] == "" and cleared["max-age"] == "0"
    assert f"path={COOKIE_PATH}" in cleared["flags"]
    assert refresh(mesh, cookie).status_code == 401


def test_change_password_works_and_clears_the_cookie(mesh: Mesh) -> None:
    account = mesh.register()
    reply = login(mesh, account, BROWSER)
    cookie, access = session_cookie(reply)["value"], reply.json()["access_token"]
    changed = mesh.http.post(
        "/api/v1/auth/change-password",
        json={"current_password": account["password"], "new_password": "a brand new pass"},
        headers={**BROWSER, **bearer(access)},
    )
    assert changed.status_code == 200, changed.text
    assert session_cookie(changed)["max-age"] == "0"
    assert refresh(mesh, cookie).status_code == 401


def test_clients_without_the_header_are_unchanged(mesh: Mesh) -> None:
    account = mesh.register()
    reply = login(mesh, account, {})
    assert reply.status_code == 200
    assert reply.json()["refresh_token"] and reply.headers.get_list("set-cookie") == []
    mesh.http.cookies.clear()
    rotated = mesh.http.post(
        "/api/v1/auth/refresh", json={"refresh_token": reply.json()["refresh_token"]}
    )
    assert rotated.status_code == 200 and rotated.json()["refresh_token"]
    assert rotated.headers.get_list("set-cookie") == []


def test_cookies_never_reach_the_logs(mesh: Mesh) -> None:
    cookie = session_cookie(login(mesh, mesh.register(), BROWSER))["value"]
    rotated = session_cookie(refresh(mesh, cookie))["value"]
    logs = "".join(p.read_text(errors="replace") for p in (mesh.var_dir / "logs").glob("*.log"))
    assert '"event": "rpc"' in logs, "the access log is being written"
    assert cookie not in logs and rotated not in logs
