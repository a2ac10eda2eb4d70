"""Analytics end to end on the shared mesh, through Envoy: a member writes records and
has a chat turn (the scripted model), and within seconds the tenant's admin sees them in
GetUsage and GetDashboard, counted exactly (one API call per request through the gateway,
none for the hops behind it); the member sees only themselves; another tenant's admin
cannot tell the member exists; bad input is a JSON google.rpc.Status and stores nothing."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from services.llm.pricing import PriceTable
from tests.e2e.mesh import Mesh, bearer
from tests.llm.fake_openai import FakeOpenAI, Reply
from tests.llm.rest import ok, projects_base


@pytest.fixture(scope="module")
def mesh(e2e_mesh: Mesh) -> Mesh:
    """The shared mesh (tests/conftest.py)."""
    return e2e_mesh


# The pipeline's lag: counters flush every 5 s, the roll-up runs every 5 s, events within
# a second; twice that and more on a busy machine.
WAIT_SECONDS = 60.0


def eventually(read: Callable[[], Any], done: Callable[[Any], bool]) -> Any:
    """`read()` again until `done` says yes, for at most WAIT_SECONDS; the last answer."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        found = read()
        if done(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.25)


@pytest.fixture(scope="module")
def team(mesh: Mesh, openai_server: FakeOpenAI) -> Iterator[dict[str, Any]]:
    """An admin and a member of one tenant; the member made exactly 6 API calls: a base, a
    table with 2 records, the table list, 3 more records, and one chat turn reading them
    through mcp."""
    admin = mesh.register()
    member = mesh.invite(admin["access_token"])
    auth = bearer(member["access_token"])
    http = mesh.http
    # A workspace the member administers, so that they may create bases in it.
    workspace = mesh.share(admin["access_token"], "", member["principal"]["user_id"], "admin")
    base_id = projects_base(http, auth, workspace)  # 3 calls, 2 records
    table = ok(http.get(f"/api/v1/bases/{base_id}/tables", headers=auth))  # 4th call
    [table_id] = [t["id"] for t in table["tables"] if t["name"] == "Projects"]
    rows = [{"fields": {"Name": n, "Hours": 1}} for n in ("Mercury", "Vostok", "Soyuz")]
    ok(
        http.post(
            f"/api/v1/bases/{base_id}/tables/{table_id}/records",
            json={"records": rows},
            headers=auth,
        )
    )  # 5th
    openai_server.reset()
    openai_server.then(
        Reply(
            tool_calls=[("get_records", {"base_id": base_id, "table": "Projects"})],
            prompt_tokens=900,
            completion_tokens=40,
        ),
        Reply(text="Five projects.", prompt_tokens=1500, completion_tokens=30),
    )
    chat = {"message": "How many projects?", "base_id": base_id}
    assert ok(http.post("/api/v1/chat", json=chat, headers=auth))["message"] == "Five projects."
    openai_server.reset()
    yield {
        "admin": bearer(admin["access_token"]),
        "member": auth,
        "member_id": member["principal"]["user_id"],
        "admin_id": admin["principal"]["user_id"],
        "calls": 6,
    }


def usage_of(http: httpx.Client, auth: dict[str, str], user_id: str) -> list[dict[str, Any]]:
    reply = http.get("/api/v1/analytics/usage", params={"user_id": user_id}, headers=auth)
    return list(ok(reply).get("usage", []))


def test_the_admin_sees_the_members_usage_counted_exactly(mesh: Mesh, team: dict[str, Any]) -> None:
    def settled(rows: list[dict[str, Any]]) -> bool:
        return (
            bool(rows)
            and int(rows[0].get("api_calls", 0)) >= team["calls"]
            and int(rows[0].get("chat_turns", 0)) == 1
        )

    rows = eventually(lambda: usage_of(mesh.http, team["admin"], team["member_id"]), settled)
    assert settled(rows), rows
    [today] = rows
    assert today["user_id"] == team["member_id"]
    # Exactly one count per request through the gateway: the chat's tool call went on to
    # mcp and airtable with the member's token, and was not counted again there.
    assert int(today["api_calls"]) == team["calls"]
    assert (int(today["input_tokens"]), int(today["output_tokens"])) == (2400, 70)
    expected = PriceTable().cost("gpt-4o-mini", 2400, 70).usd
    assert today["cost_usd"] == pytest.approx(expected)


def test_the_dashboards_of_admin_and_member(mesh: Mesh, team: dict[str, Any]) -> None:
    def board(auth: dict[str, str]) -> dict[str, Any]:
        return dict(ok(mesh.http.get("/api/v1/analytics/dashboard", headers=auth)))

    mine = eventually(
        lambda: board(team["member"]),
        lambda b: (
            int(b["today"].get("records_created", 0)) == 5
            and int(b["today"].get("chat_turns", 0)) == 1
        ),
    )
    assert mine["scope"] == "user"
    assert int(mine["today"]["records_created"]) == 5
    assert int(mine["last_30_days"]["active_users"]) == 1
    assert [(t["table_name"], int(t["writes"])) for t in mine["top_tables"]] == [("Projects", 5)]

    tenant = eventually(
        lambda: board(team["admin"]),
        lambda b: int(b["today"].get("active_users", 0)) == 2,
    )
    assert tenant["scope"] == "tenant"
    # The sample base the onboarding made counts for the tenant, not for the member.
    assert int(tenant["today"]["records_created"]) >= 5
    assert int(tenant["last_7_days"]["chat_turns"]) == 1
    assert int(tenant["today"]["active_users"]) == 2  # both made calls today
    assert "Projects" in [t["table_name"] for t in tenant["top_tables"]]


def test_a_member_sees_only_themselves(mesh: Mesh, team: dict[str, Any]) -> None:
    for path, params in (
        ("/api/v1/analytics/usage", {"user_id": team["admin_id"]}),
        ("/api/v1/analytics/metrics:query", {"metric": "api.calls", "user_id": team["admin_id"]}),
    ):
        reply = mesh.http.get(path, params=params, headers=team["member"])
        assert reply.status_code == 403, reply.text
        assert reply.json()["code"] == 7 and "own figures" in reply.json()["message"]
    own = mesh.http.get(
        "/api/v1/analytics/metrics:query", params={"metric": "chat.turns"}, headers=team["member"]
    )
    assert ok(own)["user_id"] == team["member_id"] and ok(own)["total"] == 1


def test_another_tenants_admin_cannot_tell_the_member_exists(
    mesh: Mesh, team: dict[str, Any]
) -> None:
    stranger = bearer(mesh.register()["access_token"])
    answers = []
    for user_id in (team["member_id"], str(uuid.uuid4())):
        reply = mesh.http.get(
            "/api/v1/analytics/usage", params={"user_id": user_id}, headers=stranger
        )
        assert reply.status_code == 404, reply.text
        answers.append(reply.json()["message"].replace(user_id, "<id>"))
    assert answers[0] == answers[1] == "user <id> not found"


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("GET", "/api/v1/analytics/metrics:query?metric=no.such", None, "metric"),
        (
            "GET",
            "/api/v1/analytics/metrics:query?metric=api.calls&start_time=2026-02-01T00:00:00Z"
            "&end_time=2026-01-01T00:00:00Z",
            None,
            "end_time",
        ),
        (
            "GET",
            "/api/v1/analytics/usage?start_time=2024-01-01T00:00:00Z&end_time=2026-01-01T00:00:00Z",
            None,
            "start_time",
        ),
        ("POST", "/api/v1/analytics/metrics", {"metrics": [{"name": "m", "value": -1}]}, "value"),
        (
            "POST",
            "/api/v1/analytics/metrics",
            {"metrics": [{"name": "m", "value": "NaN"}]},
            "value",
        ),
        (
            "POST",
            "/api/v1/analytics/metrics",
            {"metrics": [{"name": "m", "value": 1}] * 101},
            "metrics",
        ),
        ("POST", "/api/v1/analytics/events", {"events": [{"name": "Bad Name!"}]}, "name"),
        ("POST", "/api/v1/analytics/events", {"events": []}, "events"),
    ],
)
def test_bad_input_is_refused_and_stores_nothing(
    mesh: Mesh, method: str, path: str, body: Any, field: str
) -> None:
    auth = bearer(mesh.register()["access_token"])
    reply = mesh.http.request(method, path, json=body, headers=auth)
    assert reply.status_code == 400, reply.text
    status = reply.json()
    assert status["code"] == 3 and field in status["message"]
    for leak in ("SELECT", "Traceback", "/work", "sqlalchemy", "Error("):
        assert leak not in status["message"]
    stored = mesh.http.get(
        "/api/v1/analytics/metrics:query", params={"metric": "client.metric.m"}, headers=auth
    )
    assert ok(stored).get("total", 0) == 0


def test_an_unknown_granularity_is_refused(mesh: Mesh, team: dict[str, Any]) -> None:
    reply = mesh.http.get(
        "/api/v1/analytics/metrics:query",
        params={"metric": "api.calls", "granularity": "GRANULARITY_HOUR"},
        headers=team["member"],
    )
    assert reply.status_code == 400, reply.text
    assert reply.json()["code"] == 3


def test_a_client_records_its_own_events_and_metrics(mesh: Mesh) -> None:
    auth = bearer(mesh.register()["access_token"])
    events = {"events": [{"name": "console.page_viewed"}] * 2}
    assert ok(mesh.http.post("/api/v1/analytics/events", json=events, headers=auth)) == {
        "recorded_count": 2
    }
    metrics = {"metrics": [{"name": "console.render_ms", "value": 12.5}]}
    ok(mesh.http.post("/api/v1/analytics/metrics", json=metrics, headers=auth))
    for metric, total in (
        ("client.event.console.page_viewed", 2),
        ("client.metric.console.render_ms", 12.5),
    ):
        found = ok(
            mesh.http.get(
                "/api/v1/analytics/metrics:query", params={"metric": metric}, headers=auth
            )
        )
        assert found["total"] == total and len(found["points"]) == 30
