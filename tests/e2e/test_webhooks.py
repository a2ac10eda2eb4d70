"""Webhooks through Envoy on the shared mesh, to a real receiver on 127.0.0.1 (allowed by
the mesh's TABLEMESH_WEBHOOKS_ALLOWED_DESTINATIONS): a record write delivers an event the
Standard Webhooks verifier accepts; retries keep one webhook-id; 410 disables; replay and
recovery send again; SSRF URLs and bad input are refused; members are refused."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from tests.e2e.mesh import Mesh, bearer
from tests.webhooks.receiver import Receiver, receiving

API = "/api/v1/webhooks/endpoints"


def until(check: Callable[[], Any], what: str, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {seconds} s")


@pytest.fixture(scope="module")
def tenant(mesh: Mesh) -> dict[str, Any]:
    account = mesh.register()
    headers = bearer(account["access_token"])
    fields = [{"name": "Name", "type": "singleLineText"}]
    body = {"name": "Hooks", "tables": [{"name": "T", "fields": fields}]}
    made = mesh.http.post("/api/v1/bases", headers=headers, json=body)
    assert made.status_code == 200, made.text
    base, table = made.json()["base"]["id"], made.json()["tables"][0]["id"]
    return {"account": account, "headers": headers, "base": base, "table": table}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as found:
        yield found


def endpoint(mesh: Mesh, tenant: dict[str, Any], url: str, **extra: Any) -> dict[str, Any]:
    body = {"url": url, "event_types": ["record.created"], "enabled": True, **extra}
    made = mesh.http.post(API, headers=tenant["headers"], json=body)
    assert made.status_code == 200, made.text
    return dict(made.json())


def write(mesh: Mesh, tenant: dict[str, Any], name: str) -> str:
    path = f"/api/v1/bases/{tenant['base']}/tables/{tenant['table']}/records"
    made = mesh.http.post(
        path, headers=tenant["headers"], json={"records": [{"fields": {"Name": name}}]}
    )
    assert made.status_code == 200, made.text
    return str(made.json()["records"][0]["id"])


def messages(mesh: Mesh, tenant: dict[str, Any], endpoint_id: str) -> list[dict[str, Any]]:
    found = mesh.http.get(f"{API}/{endpoint_id}/messages", headers=tenant["headers"])
    assert found.status_code == 200, found.text
    return list(found.json().get("messages", []))


def attempts(mesh: Mesh, tenant: dict[str, Any], endpoint_id: str, msg: str) -> list[Any]:
    found = mesh.http.get(f"{API}/{endpoint_id}/messages/{msg}/attempts", headers=tenant["headers"])
    assert found.status_code == 200, found.text
    return list(found.json().get("attempts", []))


def settled(mesh: Mesh, tenant: dict[str, Any], endpoint_id: str, status: str) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        found = messages(mesh, tenant, endpoint_id)
        return found[0] if found and found[0]["status"] == status else None

    return dict(until(check, f"a message {status}"))


def test_a_record_write_delivers_a_signed_event(
    mesh: Mesh, tenant: dict[str, Any], receiver: Receiver
) -> None:
    made = endpoint(mesh, tenant, receiver.url, description="CRM")
    secret, ep = made["secret"], made["endpoint"]
    assert secret.startswith("whsec_") and "secret" not in ep
    record = write(mesh, tenant, "Atlas")
    until(lambda: receiver.received, "a delivery")
    [got] = receiver.received
    event = Webhook(secret).verify(got.body, got.headers)
    assert event["type"] == "record.created"
    assert event["tenant_id"] == tenant["account"]["principal"]["tenant_id"]
    assert event["records"]["records"][0]["id"] == record
    msg = settled(mesh, tenant, ep["id"], "MESSAGE_STATUS_SUCCEEDED")
    assert msg["id"] == got.headers["webhook-id"] and msg["event_id"] == event["id"]
    [attempt] = attempts(mesh, tenant, ep["id"], msg["id"])
    assert attempt["response_status"] == 200 and attempt["succeeded"]
    # The secret is never shown again.
    again = mesh.http.get(f"{API}/{ep['id']}", headers=tenant["headers"])
    assert again.status_code == 200 and "whsec_" not in again.text


def test_three_failures_then_success_are_four_attempts_of_one_id(
    mesh: Mesh, tenant: dict[str, Any], receiver: Receiver
) -> None:
    receiver.script = [500, 503, 429, 200]
    ep = endpoint(mesh, tenant, receiver.url)["endpoint"]
    write(mesh, tenant, "Boreas")
    msg = settled(mesh, tenant, ep["id"], "MESSAGE_STATUS_SUCCEEDED")
    found = attempts(mesh, tenant, ep["id"], msg["id"])
    assert [a.get("response_status") for a in found] == [500, 503, 429, 200]
    assert [a["number"] for a in found] == [1, 2, 3, 4]
    assert {r.headers["webhook-id"] for r in receiver.received} == {msg["id"]}
    assert len(receiver.received) == 4


def test_410_disables_the_endpoint_and_tells_its_admin(
    mesh: Mesh, tenant: dict[str, Any], receiver: Receiver
) -> None:
    receiver.script = [410]
    ep = endpoint(mesh, tenant, receiver.url)["endpoint"]
    write(mesh, tenant, "Gone")

    def disabled() -> dict[str, Any] | None:
        found = mesh.http.get(f"{API}/{ep['id']}", headers=tenant["headers"]).json()["endpoint"]
        return found if not found.get("enabled") else None

    found = until(disabled, "the endpoint disabled")
    assert found["disabled_reason"] == "gone"
    assert settled(mesh, tenant, ep["id"], "MESSAGE_STATUS_FAILED")["last_error"] == "answered 410"

    def told() -> bool:
        notes = mesh.http.get("/api/v1/notifications", headers=tenant["headers"]).json()
        return any("webhook" in n.get("subject", "") for n in notes.get("notifications", []))

    until(told, "the admin's notification")


def test_replay_and_recover_send_dead_letters_again(
    mesh: Mesh, tenant: dict[str, Any], receiver: Receiver
) -> None:
    receiver.script = [500] * 10 + [200]
    ep = endpoint(mesh, tenant, receiver.url)["endpoint"]
    write(mesh, tenant, "Dead")
    dead = settled(mesh, tenant, ep["id"], "MESSAGE_STATUS_FAILED")
    assert dead["attempt_count"] == 5  # the mesh's schedule: five attempts
    receiver.script = [200]
    replayed = mesh.http.post(
        f"{API}/{ep['id']}/messages/{dead['id']}:replay", headers=tenant["headers"], json={}
    )
    assert replayed.status_code == 200, replayed.text
    assert settled(mesh, tenant, ep["id"], "MESSAGE_STATUS_SUCCEEDED")["id"] == dead["id"]
    receiver.script = [500] * 5 + [200]
    receiver.received.clear()
    write(mesh, tenant, "Dead again")
    settled(mesh, tenant, ep["id"], "MESSAGE_STATUS_FAILED")
    since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
    recovered = mesh.http.post(
        f"{API}/{ep['id']}:recover", headers=tenant["headers"], json={"since": since}
    )
    assert recovered.status_code == 200 and recovered.json()["recovered"] == 1, recovered.text
    settled(mesh, tenant, ep["id"], "MESSAGE_STATUS_SUCCEEDED")


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata address"),
        ("http://[fd00:ec2::254]/", "cloud metadata address"),
        ("http://10.0.0.1/hook", "private address"),
        ("http://[::1]:8080/hook", "loopback address"),
        ("gopher://example.com/", "must start with http:// or https://"),
    ],
)
def test_ssrf_urls_are_refused(mesh: Mesh, tenant: dict[str, Any], url: str, said: str) -> None:
    body = {"url": url, "event_types": ["record.created"]}
    refused = mesh.http.post(API, headers=tenant["headers"], json=body)
    assert refused.status_code == 400, refused.text
    assert said in refused.json()["message"] and "endpoint.url" in refused.json()["message"]


def test_members_are_refused_and_other_tenants_see_nothing(
    mesh: Mesh, tenant: dict[str, Any]
) -> None:
    member = bearer(mesh.invite(tenant["account"]["access_token"])["access_token"])
    body = {"url": "http://127.0.0.1:9/", "event_types": ["record.created"]}
    for verb, path in [("POST", API), ("GET", API), ("GET", "/api/v1/webhooks/event-types")]:
        refused = mesh.http.request(
            verb, path, headers=member, json=body if verb == "POST" else None
        )
        assert refused.status_code == 403, refused.text
        assert refused.json()["message"] == "webhooks are managed by the tenant's admins"
    ep = endpoint(mesh, tenant, "http://127.0.0.1:9/")["endpoint"]
    other = bearer(mesh.register()["access_token"])
    assert mesh.http.get(f"{API}/{ep['id']}", headers=other).status_code == 404
    assert mesh.http.delete(f"{API}/{ep['id']}", headers=other).status_code == 404
    assert mesh.http.get(f"{API}/{ep['id']}", headers=tenant["headers"]).status_code == 200


def stored(mesh: Mesh, tenant: dict[str, Any]) -> list[Any]:
    found = mesh.http.get(API, headers=tenant["headers"], params={"page_size": 100})
    return sorted((e["id"], e["update_time"]) for e in found.json().get("endpoints", []))


BAD_CREATES = [
    ({"event_types": ["record.created"]}, "endpoint.url: is required"),
    ({"url": "http://127.0.0.1:9/"}, "endpoint.event_types: must name at least one event type"),
    (
        {"url": "http://127.0.0.1:9/", "event_types": ["record.exploded"]},
        "'record.exploded' is no event type",
    ),
    (
        {"url": "http://127.0.0.1:9/", "event_types": ["record.created"], "description": "d" * 501},
        "at most 500",
    ),
    (
        {"url": "http://" + "a" * 2000 + ".com/", "event_types": ["record.created"]},
        "longer than 2000",
    ),
]


@pytest.mark.parametrize(("body", "said"), BAD_CREATES)
def test_bad_endpoints_are_refused_and_nothing_is_stored(
    mesh: Mesh, tenant: dict[str, Any], body: dict[str, Any], said: str
) -> None:
    before = stored(mesh, tenant)
    refused = mesh.http.post(API, headers=tenant["headers"], json=body)
    assert refused.status_code == 400, refused.text
    assert said in refused.json()["message"]
    assert stored(mesh, tenant) == before


def test_bad_input_of_every_other_rpc(mesh: Mesh, tenant: dict[str, Any]) -> None:
    h, missing = tenant["headers"], "00000000-0000-4000-8000-000000000000"
    ep = endpoint(mesh, tenant, "http://127.0.0.1:9/")["endpoint"]
    before = stored(mesh, tenant)
    cases: list[tuple[str, str, dict[str, Any] | None, int, str]] = [
        ("GET", f"{API}/not-an-id", None, 404, "webhook endpoint not-an-id not found"),
        ("GET", f"{API}/{missing}", None, 404, "not found"),
        ("GET", API + "?page_token=forged", None, 400, "page_token"),
        (
            "PATCH",
            f"{API}/{ep['id']}",
            {"url": "http://10.0.0.1/"},
            400,
            "update_mask: must name at least one field",
        ),
        ("PATCH", f"{API}/{ep['id']}?update_mask=secret", {}, 400, "unknown field 'secret'"),
        (
            "PATCH",
            f"{API}/{ep['id']}?update_mask=url",
            {"url": "http://10.0.0.1/"},
            400,
            "private address",
        ),
        (
            "PATCH",
            f"{API}/{ep['id']}?update_mask=event_types",
            {"event_types": []},
            400,
            "at least one event type",
        ),
        ("DELETE", f"{API}/{missing}", None, 404, "not found"),
        ("POST", f"{API}/{missing}:rotateSecret", {}, 404, "not found"),
        ("GET", f"{API}/{missing}/messages", None, 404, "not found"),
        ("GET", f"{API}/{ep['id']}/messages?page_token=forged", None, 400, "page_token"),
        (
            "GET",
            f"{API}/{ep['id']}/messages/msg_nope/attempts",
            None,
            404,
            "webhook message msg_nope not found",
        ),
        (
            "POST",
            f"{API}/{ep['id']}/messages/msg_nope:replay",
            {},
            404,
            "webhook message msg_nope not found",
        ),
        ("POST", f"{API}/{ep['id']}:recover", {}, 400, "since: is required"),
        (
            "POST",
            f"{API}/{ep['id']}:recover",
            {"since": "2999-01-01T00:00:00Z"},
            400,
            "must not be in the future",
        ),
        (
            "POST",
            f"{API}/{ep['id']}:recover",
            {"since": "2001-01-01T00:00:00Z"},
            400,
            "at most 30 days ago",
        ),
    ]
    for verb, path, body, status, said in cases:
        got = mesh.http.request(verb, path, headers=h, json=body)
        assert got.status_code == status, (verb, path, got.text)
        assert said in got.json()["message"], (verb, path, got.text)
    assert stored(mesh, tenant) == before
