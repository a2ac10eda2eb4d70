"""What operators rely on: the JSON access log, health checks, reflection through Envoy."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from grpc_reflection.v1alpha import reflection
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2 as trace_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc as trace_grpc

from services.runtime import registry
from tests.gateway.conftest import Gateway
from tests.gateway.harness import start_server


async def test_access_log_is_json_with_request_id(
    http: httpx.AsyncClient, gateway: Gateway
) -> None:
    response = await http.get("/api/v1/users/u-1", headers={"x-request-id": "req-log-check"})
    assert response.status_code == 401
    for _ in range(50):
        lines = (gateway.log_dir / "envoy.access.log").read_text().splitlines()
        entries = [json.loads(line) for line in lines if line.startswith("{")]
        mine = [e for e in entries if e.get("request_id") == "req-log-check"]
        if mine:
            break
        await asyncio.sleep(0.1)
    assert mine and mine[0]["status"] == 401 and "duration_ms" in mine[0]


async def test_active_grpc_health_checks_mark_running_services_healthy() -> None:
    admin = f"http://127.0.0.1:{registry.envoy_admin_port()}"

    async def statuses() -> dict[str, dict]:
        async with httpx.AsyncClient(base_url=admin, timeout=5) as client:
            clusters = (await client.get("/clusters?format=json")).json()["cluster_statuses"]
        return {
            c["name"]: c["host_statuses"][0]["health_status"]
            for c in clusters
            if c["name"] in registry.BY_NAME
        }

    found: dict[str, dict] = {}
    for _ in range(50):
        found = await statuses()
        if not found["auth"].get("failed_active_health_check") and found["platform"].get(
            "failed_active_health_check"
        ):
            break
        await asyncio.sleep(0.2)
    assert not found["auth"].get("failed_active_health_check"), found
    assert not found["users"].get("failed_active_health_check"), found
    assert found["platform"].get("failed_active_health_check"), found  # not running here


class Collector(trace_grpc.TraceServiceServicer):
    """An OTLP trace collector, as the platform service will be."""

    def __init__(self) -> None:
        self.requests: list[trace_pb2.ExportTraceServiceRequest] = []

    async def Export(self, request: Any, context: Any) -> trace_pb2.ExportTraceServiceResponse:
        self.requests.append(request)
        return trace_pb2.ExportTraceServiceResponse()


@pytest.fixture
async def platform() -> AsyncIterator[Collector]:
    """A stand-in platform (reflection for the mesh, trace collector) for one test."""
    names = [svc for spec in registry.SERVICES for svc in spec.grpc_services]
    collector = Collector()

    def add(server: grpc.aio.Server) -> None:
        trace_grpc.add_TraceServiceServicer_to_server(collector, server)
        reflection.enable_server_reflection([*names, reflection.SERVICE_NAME], server)

    server = await start_server(registry.spec("platform").port, add)
    yield collector
    await server.stop(None)


async def test_grpcurl_reflection_through_the_gateway(
    gateway: Gateway, platform: Collector
) -> None:
    # Reflection is a bidi stream: this proves the route neither buffers nor times it out.
    proc = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "grpcurl"),
        "-plaintext",
        gateway.grpc_target,
        "describe",
        "tablemesh.users.v1.UsersService",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    assert "rpc GetUser" in out.decode()


async def test_client_trace_context_is_continued_upstream(
    http: httpx.AsyncClient, gateway: Gateway
) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    headers = {
        "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01",
        "authorization": f"Bearer {gateway.signer.token()}",
    }
    response = await http.get("/api/v1/users/u-1", headers=headers)
    assert response.status_code == 200, response.text
    forwarded = gateway.seen.metadata[-1]["traceparent"]
    # Same trace, and Envoy's own span as the parent.
    assert forwarded.startswith(f"00-{trace_id}-")
    assert not forwarded.endswith("00f067aa0ba902b7-01")


async def test_spans_are_exported_to_the_collector(
    http: httpx.AsyncClient, gateway: Gateway, platform: Collector
) -> None:
    # Envoy exports in batches of 5 spans, or every 5 s; an export attempted before its
    # collector connection is up is dropped, so keep sending traced requests a while.
    for attempt in range(150):
        if platform.requests:
            break
        if attempt % 5 == 0:
            await http.get(
                "/api/v1/users/u-1",
                headers={
                    "x-client-trace-id": "span-check",
                    "authorization": f"Bearer {gateway.signer.token()}",
                },
            )
        await asyncio.sleep(0.1)
    assert platform.requests, "no spans exported within 15 s"
    resource = platform.requests[0].resource_spans[0].resource
    attributes = {a.key: a.value.string_value for a in resource.attributes}
    assert attributes["service.name"] == "gateway"
