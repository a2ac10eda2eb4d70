"""Who can force a trace through the gateway, seen in the platform's real trace store."""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc as trace_grpc

from services.platform.collector import Retention, TraceCollector
from services.runtime import registry
from tests.gateway.conftest import Gateway
from tests.gateway.harness import KNOWN_USER, bearer, start_server, wait_until


@pytest.fixture
async def trace_dir(tmp_path: Path) -> AsyncIterator[Path]:
    """The platform service's trace collector on its port, storing under tmp_path."""
    directory = tmp_path / "traces"
    collector = TraceCollector(directory, Retention(1 << 30, 3600))
    server = await start_server(
        registry.spec("platform").port,
        lambda s: trace_grpc.add_TraceServiceServicer_to_server(collector, s),
    )
    yield directory
    await server.stop(None)


def forcing(trace_id: str, token: str | None = None) -> dict[str, str]:
    """Headers that ask for a trace: x-client-trace-id and a sampled trace context."""
    headers = {
        "x-client-trace-id": trace_id,
        "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01",
    }
    return {**headers, **bearer(token)} if token else headers


async def stored(http: httpx.AsyncClient, directory: Path, token: str) -> list[dict]:
    """Forces one authenticated trace and returns its spans once they are stored: spans
    are exported in order, so anything traced before it is stored by then too."""
    trace_id = secrets.token_hex(16)
    path = directory / f"{trace_id}.jsonl"

    async def arrived() -> bool:
        reply = await http.get(f"/api/v1/users/{KNOWN_USER}", headers=forcing(trace_id, token))
        assert reply.status_code == 200, reply.text
        return path.exists()

    # Envoy exports every 5 spans or 5 s; the first export may race its connection.
    await wait_until(arrived, "the forced trace stored", 30)
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_an_authenticated_caller_can_force_a_trace(
    http: httpx.AsyncClient, gateway: Gateway, trace_dir: Path
) -> None:
    spans = await stored(http, trace_dir, gateway.signer.token())
    assert {s["service"] for s in spans} == {"gateway"}
    assert spans[0]["attributes"]["http.status_code"] == "200"


async def test_anonymous_callers_cannot_force_a_trace(
    http: httpx.AsyncClient, gateway: Gateway, trace_dir: Path
) -> None:
    token = gateway.signer.token()
    await stored(http, trace_dir, token)  # the collector is connected
    protected, public = secrets.token_hex(16), secrets.token_hex(16)
    # Envoy packs its trace decision into the x-request-id it generates ('a' or 'b' at
    # index 14 means forced); a client's own id, which the gateway keeps, must not count.
    own_id = secrets.token_hex(16)
    crafted = f"{own_id[:8]}-{own_id[8:12]}-b{own_id[13:16]}-{own_id[16:20]}-{own_id[20:]}"
    headers = {"x-request-id": crafted, "traceparent": forcing(own_id)["traceparent"]}
    sent = await http.get(f"/api/v1/users/{KNOWN_USER}", headers=headers)
    assert sent.status_code == 401 and sent.headers["x-request-id"] == crafted
    refused = await http.get(f"/api/v1/users/{KNOWN_USER}", headers=forcing(protected))
    assert refused.status_code == 401
    login = await http.post(
        "/api/v1/auth/login", json={"email": "a@b.c", "password": "pw"}, headers=forcing(public)
    )
    assert login.status_code == 200, login.text
    await stored(http, trace_dir, token)
    assert not (trace_dir / f"{protected}.jsonl").exists()
    assert not (trace_dir / f"{public}.jsonl").exists()
    assert not (trace_dir / f"{own_id}.jsonl").exists()
