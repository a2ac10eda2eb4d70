"""The whole chain through Envoy, booted by the launcher: a user creates a base, a table
and records over REST, then chats; the scripted model asks for get_records, which runs
through the real mcp and airtable services on the user's data.

The mesh is the shared one (tests/conftest.py: e2e_mesh)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from services.llm.claims import busy_message
from services.llm.pricing import PriceTable
from tests.e2e.mesh import Mesh
from tests.llm.fake_openai import FakeOpenAI, Reply
from tests.llm.rest import ok, projects_base, sign_up


@pytest.fixture(scope="module")
def gateway(e2e_mesh: Mesh) -> Iterator[httpx.Client]:
    """REST through Envoy on the shared mesh (its llm service talks to fake_openai)."""
    with httpx.Client(base_url=e2e_mesh.base_url, timeout=30) as client:
        yield client


def test_chat_reads_the_users_table_through_mcp(
    gateway: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    auth = sign_up(gateway)
    base_id = projects_base(gateway, auth)
    ask = {"base_id": base_id, "table": "Projects"}
    fake_openai.then(
        Reply(tool_calls=[("get_records", ask)], prompt_tokens=900, completion_tokens=40),
        Reply(text="Apollo: 12 h, Gemini: 30 h; 42 h in all.", prompt_tokens=1500),
    )
    answer = ok(
        gateway.post(
            "/api/v1/chat",
            json={"message": "Hours per project?", "base_id": base_id},
            headers=auth,
        )
    )
    assert answer["message"] == "Apollo: 12 h, Gemini: 30 h; 42 h in all."
    (call,) = answer["tool_calls"]
    assert call["name"] == "get_records" and call["arguments"] == ask
    assert not call.get("is_error"), call
    result = json.loads(call["result"])
    hours = {r["fields"]["Name"]: r["fields"]["Hours"] for r in result["records"]}
    assert hours == {"Apollo": 12, "Gemini": 30}
    # The model got the same real records back as the tool result.
    sent_back = fake_openai.requests[1]["messages"][-1]
    assert sent_back["role"] == "tool" and json.loads(sent_back["content"]) == result

    usage = answer["usage"]
    assert (int(usage["prompt_tokens"]), int(usage["completion_tokens"])) == (2400, 70)
    assert usage["model_calls"] == 2
    expected = PriceTable().cost("gpt-4o-mini", 2400, 70).usd
    assert usage["cost_usd"] == pytest.approx(expected)

    history = ok(gateway.get(f"/api/v1/sessions/{answer['session_id']}/messages", headers=auth))
    roles = [m["role"] for m in history["messages"]]
    assert roles == ["user", "assistant", "tool", "assistant"]
    assert history["messages"][1]["tool_calls"][0]["result"] == call["result"]
    costs = ok(gateway.get("/api/v1/costs", headers=auth))
    assert costs["total"]["cost_usd"] == pytest.approx(expected)


def test_another_tenants_base_is_not_reachable_through_the_model(
    gateway: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    victim = sign_up(gateway)
    their_base = projects_base(gateway, victim)
    attacker = sign_up(gateway)
    fake_openai.then(
        Reply(tool_calls=[("get_records", {"base_id": their_base, "table": "Projects"})]),
        Reply(text="I cannot see that base."),
    )
    answer = ok(
        gateway.post(
            "/api/v1/chat",
            json={"message": f"Show me the records of {their_base}"},
            headers=attacker,
        )
    )
    (call,) = answer["tool_calls"]
    assert call.get("is_error") and "Apollo" not in call["result"]
    assert "Apollo" not in json.dumps(fake_openai.requests[1])


def test_stream_chat_through_envoy(gateway: httpx.Client, fake_openai: FakeOpenAI) -> None:
    auth = sign_up(gateway)
    fake_openai.then(Reply(text="Streaming works fine."))
    with gateway.stream(
        "POST", "/api/v1/chat:stream", json={"message": "stream please"}, headers=auth
    ) as reply:
        assert reply.status_code == 200
        body = "".join(reply.iter_text())
    # Newline-delimited: one JSON object per line, no array around them.
    events = [json.loads(line) for line in body.splitlines()]
    deltas = "".join(e.get("delta", "") for e in events)
    assert deltas == "Streaming works fine." and events[-1]["done"]["usage"]["model_calls"] == 1


def test_exhausted_budget_through_envoy(gateway: httpx.Client, fake_openai: FakeOpenAI) -> None:
    admin = sign_up(gateway)
    ok(
        gateway.post(
            "/api/v1/budgets", json={"scope": "tenant_daily", "limit_usd": 0}, headers=admin
        )
    )
    fake_openai.then(Reply(text="never"))
    reply = gateway.post("/api/v1/chat", json={"message": "hello"}, headers=admin)
    assert reply.status_code == 429, reply.text
    assert "tenant_daily" in reply.json()["message"] and fake_openai.requests == []


def test_a_busy_session_answers_409_through_envoy(
    gateway: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    auth = sign_up(gateway)
    fake_openai.then(Reply(text="Hello."))
    session_id = ok(gateway.post("/api/v1/chat", json={"message": "hi"}, headers=auth))[
        "session_id"
    ]
    gate = threading.Event()
    held = Reply(text="First answer.", hold=gate)
    fake_openai.then(held, Reply(text="Next answer."))

    def chat(message: str) -> httpx.Response:
        body = {"message": message, "session_id": session_id}
        url = gateway.base_url.join("/api/v1/chat")
        return httpx.post(url, json=body, headers=auth, timeout=30)

    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(chat, "first")
        try:
            assert held.arrived.wait(30), "the first turn never reached the model"
            busy = chat("second")
        finally:
            gate.set()
        assert ok(first.result(30))["message"] == "First answer."
    assert busy.status_code == 409, busy.text
    error = busy.json()
    assert error["code"] == 10 and error["message"] == busy_message(session_id)
    assert ok(chat("second"))["message"] == "Next answer."
    history = ok(gateway.get(f"/api/v1/sessions/{session_id}/messages", headers=auth))
    contents = [m["content"] for m in history["messages"]]
    assert contents == ["hi", "Hello.", "first", "First answer.", "second", "Next answer."]
