"""The audit log through Envoy: what an admin sees (sign-ins, a failed one, a role change,
with the client's address and user agent), filters and pages, the export, proofs, a member
refused, bad input refused; `tablemesh audit verify` passes, then fails once a row is edited
in PostgreSQL."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest

from services.audit import merkle
from tests.e2e.mesh import Mesh, bearer

pytestmark = pytest.mark.e2e
AGENT = "audit-e2e/1.0"


def eventually(check: Callable[[], Any], what: str, wait: float = 30.0) -> Any:
    """Polls until `check` answers something truthy (the bus and the signer are async)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def entries(mesh: Mesh, token: str, **params: Any) -> Any:
    reply = mesh.http.get("/api/v1/audit/entries", params=params, headers=bearer(token))
    assert reply.status_code == 200, reply.text
    return reply.json()


def actions(mesh: Mesh, token: str, **params: Any) -> list[str]:
    return [e["action"] for e in entries(mesh, token, page_size=100, **params).get("entries", [])]


@pytest.fixture(scope="module")
def tenant(mesh: Mesh) -> dict[str, Any]:
    """An admin who signed in (and failed once), with a member whose role was changed."""
    admin = mesh.register()
    email, password = admin["email"], admin["password"]
    headers = {"user-agent": AGENT}
    failed = mesh.http.post(
        "/api/v1/auth/login", json={"email": email, "password": "wrong password"}, headers=headers
    )
    assert failed.status_code == 401, failed.text
    login = mesh.http.post(
        "/api/v1/auth/login", json={"email": email, "password": password}, headers=headers
    )
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    member = mesh.invite(token)
    member_id = member["principal"]["user_id"]
    patched = mesh.http.patch(
        f"/api/v1/users/{member_id}",
        params={"update_mask": "role"},
        json={"role": "viewer"},
        headers={**bearer(token), **headers},
    )
    assert patched.status_code == 200, patched.text
    hook = mesh.http.post(
        "/api/v1/webhooks/endpoints",
        json={"url": "http://127.0.0.1:9/", "event_types": ["record.created"], "enabled": True},
        headers={**bearer(token), **headers},
    )
    assert hook.status_code == 200, hook.text
    wanted = {
        "auth.signed_in",
        "auth.sign_in_failed",
        "user.role_changed",
        "invitation.accepted",
        "webhook.endpoint.created",
    }
    eventually(lambda: wanted <= set(actions(mesh, token)), "the tenant's audit entries")
    endpoint_id = hook.json()["endpoint"]["id"]
    return {
        "token": token,
        "admin": admin,
        "member": member,
        "member_id": member_id,
        "endpoint_id": endpoint_id,
    }


def test_the_admin_sees_sign_ins_a_failed_one_a_role_change_and_a_webhook(
    mesh: Mesh, tenant: dict[str, Any]
) -> None:
    found = entries(mesh, tenant["token"], page_size=100)["entries"]
    by_action: dict[str, list[dict[str, Any]]] = {}
    for entry in found:
        by_action.setdefault(entry["action"], []).append(entry)
    admin_id = tenant["admin"]["principal"]["user_id"]
    signed_in = [e for e in by_action["auth.signed_in"] if e.get("user_agent") == AGENT]
    assert len(signed_in) == 1
    assert signed_in[0]["actor"]["id"] == admin_id
    assert signed_in[0]["resource"] == f"user:{admin_id}"
    assert signed_in[0]["outcome"] == "success"
    assert signed_in[0]["source_ip"]  # the client's address, as Envoy saw it
    failed = by_action["auth.sign_in_failed"][0]
    assert failed["outcome"] == "failure"
    assert failed["details"]["reason"] == "INVALID_CREDENTIALS"
    assert failed["source_ip"] and failed["user_agent"] == AGENT
    changed = by_action["user.role_changed"][0]
    assert changed["actor"] == {"kind": "user", "id": admin_id, "role": "admin"}
    assert changed["resource"] == f"user:{tenant['member_id']}"
    assert changed["details"]["previous_role"] == "member"
    assert changed["details"]["role"] == "viewer"
    assert changed["source_ip"] and changed["user_agent"] == AGENT
    made = by_action["webhook.endpoint.created"][0]
    assert made["resource"] == f"webhook_endpoint:{tenant['endpoint_id']}"
    assert made["actor"]["id"] == admin_id and made["outcome"] == "success"
    assert made["source_ip"] and made["user_agent"] == AGENT
    assert made["details"]["url"] == "http://127.0.0.1:9/"
    # Another tenant's entries never show.
    assert {e["tenant_id"] for e in found} == {tenant["admin"]["principal"]["tenant_id"]}


def test_a_member_is_refused(mesh: Mesh, tenant: dict[str, Any]) -> None:
    viewer = tenant["member"]
    login = mesh.http.post(
        "/api/v1/auth/login", json={"email": viewer["email"], "password": viewer["password"]}
    )
    assert login.status_code == 200, login.text
    for path in (
        "/api/v1/audit/entries",
        "/api/v1/audit/tree-head",
        "/api/v1/audit/entries:export",
    ):
        reply = mesh.http.get(path, headers=bearer(login.json()["access_token"]))
        assert reply.status_code == 403, reply.text
        assert reply.json()["message"] == "only the tenant's admins may read its audit log"


def test_filters_and_pages(mesh: Mesh, tenant: dict[str, Any]) -> None:
    token = tenant["token"]
    assert set(actions(mesh, token, action="auth.")) >= {"auth.signed_in", "auth.sign_in_failed"}
    assert set(actions(mesh, token, action="auth.")) <= {
        a for a in actions(mesh, token) if a.startswith("auth.")
    }
    assert set(actions(mesh, token, outcome="failure")) == {"auth.sign_in_failed"}
    member_entries = actions(mesh, token, resource=f"user:{tenant['member_id']}")
    assert "user.role_changed" in member_entries
    everything = entries(mesh, token, page_size=100)["entries"]
    pages, page_token = [], ""
    while True:
        page = entries(mesh, token, page_size=2, page_token=page_token)
        assert len(page["entries"]) <= 2
        pages += page["entries"]
        page_token = page.get("next_page_token", "")
        if not page_token:
            break
    assert [e["sequence"] for e in pages] == [e["sequence"] for e in everything]
    future = entries(mesh, token, start_time="2999-01-01T00:00:00Z")
    assert future.get("entries", []) == []


def test_the_export_is_json_lines(mesh: Mesh, tenant: dict[str, Any]) -> None:
    reply = mesh.http.get(
        "/api/v1/audit/entries:export", params={"action": "auth."}, headers=bearer(tenant["token"])
    )
    assert reply.status_code == 200, reply.text
    assert reply.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in reply.text.splitlines()]
    assert lines and all(line["action"].startswith("auth.") for line in lines)
    sequences = [int(line["sequence"]) for line in lines]
    assert sequences == sorted(sequences)


def test_an_inclusion_proof_leads_to_the_signed_root(mesh: Mesh, tenant: dict[str, Any]) -> None:
    token = tenant["token"]
    entry = entries(mesh, token, action="user.role_changed")["entries"][0]
    seq = int(entry["sequence"])

    def signed_past_it() -> Any:
        head = mesh.http.get("/api/v1/audit/tree-head", headers=bearer(token)).json()
        size = int(head.get("tree_head", {}).get("tree_size", 0))
        return head["tree_head"] if size > seq else None

    head = eventually(signed_past_it, "a signed head covering the entry")
    reply = mesh.http.get(f"/api/v1/audit/entries/{seq}/inclusion-proof", headers=bearer(token))
    assert reply.status_code == 200, reply.text
    proof = reply.json()
    path = [bytes.fromhex(h) for h in proof.get("audit_path", [])]
    size = int(proof["tree_size"])
    assert size == int(head["tree_size"]) and proof["root_hash"] == head["root_hash"]
    assert merkle.verify_inclusion(
        seq, size, bytes.fromhex(entry["leaf_hash"]), path, bytes.fromhex(head["root_hash"])
    )
    consistency = mesh.http.get(
        "/api/v1/audit/consistency-proof",
        params={"first_size": 1, "second_size": size},
        headers=bearer(token),
    )
    assert consistency.status_code == 200, consistency.text
    body = consistency.json()
    assert merkle.verify_consistency(
        1,
        size,
        bytes.fromhex(body["first_root_hash"]),
        bytes.fromhex(body["second_root_hash"]),
        [bytes.fromhex(h) for h in body.get("proof", [])],
    )


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        (
            "/api/v1/audit/entries",
            {"start_time": "2026-02-01T00:00:00Z", "end_time": "2026-01-01T00:00:00Z"},
            "end_time",
        ),
        ("/api/v1/audit/entries", {"page_token": "not-a-token"}, "page_token"),
        ("/api/v1/audit/entries", {"action": "coffee.brewed"}, "action"),
        ("/api/v1/audit/entries", {"resource": "spaceship:1"}, "resource"),
        ("/api/v1/audit/entries", {"outcome": "maybe"}, "outcome"),
        ("/api/v1/audit/entries", {"page_size": 1000}, "page_size"),
        ("/api/v1/audit/entries:export", {"action": "coffee.brewed"}, "action"),
        (
            "/api/v1/audit/entries:export",
            {"start_time": "2026-02-01T00:00:00Z", "end_time": "2026-01-01T00:00:00Z"},
            "end_time",
        ),
        ("/api/v1/audit/entries/-1/inclusion-proof", {}, "sequence"),
        ("/api/v1/audit/entries/0/inclusion-proof", {"tree_size": 10**9}, "tree_size"),
        ("/api/v1/audit/consistency-proof", {"first_size": 0}, "first_size"),
        ("/api/v1/audit/consistency-proof", {"first_size": 10**9}, "first_size"),
    ],
)
def test_bad_input_is_refused(
    mesh: Mesh, tenant: dict[str, Any], path: str, params: dict[str, Any], field: str
) -> None:
    reply = mesh.http.get(path, params=params, headers=bearer(tenant["token"]))
    assert reply.status_code == 400, reply.text
    body = reply.json()
    assert body["code"] == 3 and body["message"].startswith(f"{field}:")
    for leak in ("SELECT", "Traceback", "/work", "services."):
        assert leak not in body["message"]


def test_a_page_token_of_other_filters_is_refused(mesh: Mesh, tenant: dict[str, Any]) -> None:
    first = entries(mesh, tenant["token"], page_size=1)
    reply = mesh.http.get(
        "/api/v1/audit/entries",
        params={"page_size": 1, "page_token": first["next_page_token"], "action": "auth."},
        headers=bearer(tenant["token"]),
    )
    assert reply.status_code == 400
    assert reply.json()["message"] == "page_token: was issued for different filters or ordering"


def test_another_tenants_entry_has_no_proof(mesh: Mesh, tenant: dict[str, Any]) -> None:
    other = mesh.register()
    seq = entries(mesh, tenant["token"], page_size=1)["entries"][0]["sequence"]
    reply = mesh.http.get(
        f"/api/v1/audit/entries/{seq}/inclusion-proof", headers=bearer(other["access_token"])
    )
    assert reply.status_code == 404, reply.text


def test_verify_passes_then_fails_after_a_row_is_edited(mesh: Mesh, tenant: dict[str, Any]) -> None:
    token = tenant["token"]
    seq = int(entries(mesh, token, action="user.role_changed")["entries"][0]["sequence"])
    eventually(
        lambda: (
            int(
                mesh.http.get("/api/v1/audit/tree-head", headers=bearer(token))
                .json()
                .get("tree_head", {})
                .get("tree_size", 0)
            )
            > seq
        ),
        "a signed head covering the role change",
    )
    passed = mesh.cli("audit", "verify")
    assert "audit log verified" in passed.stdout
    with psycopg.connect(mesh.database_url, autocommit=True) as conn:
        conn.execute("UPDATE audit.entries SET outcome = 'failure' WHERE seq = %s", (seq,))
    try:
        failed = mesh.cli("audit", "verify", check=False)
        assert failed.returncode == 1
        assert f"entry {seq} was changed" in failed.stderr
    finally:
        with psycopg.connect(mesh.database_url, autocommit=True) as conn:
            conn.execute("UPDATE audit.entries SET outcome = 'success' WHERE seq = %s", (seq,))
    assert mesh.cli("audit", "verify").returncode == 0
