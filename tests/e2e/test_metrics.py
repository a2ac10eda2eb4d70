"""Every service serves Prometheus metrics at its port + 50, for all its workers at once."""

from __future__ import annotations

import re

import httpx

from services.runtime.metrics import METRICS_PORT_SHIFT
from tests.e2e.mesh import Mesh, bearer


def scrape(mesh: Mesh, service: str) -> str:
    reply = httpx.get(f"http://127.0.0.1:{mesh.port(service) + METRICS_PORT_SHIFT}/metrics")
    assert reply.status_code == 200
    return reply.text


def calls(text: str, method: str, code: str) -> float:
    pattern = (
        rf'tablemesh_rpc_calls_total{{code="{code}",method="{re.escape(method)}",'
        rf'service="users"}} ([0-9.e+]+)'
    )
    found = re.search(pattern, text)
    return float(found.group(1)) if found else 0.0


def test_rpc_counts_cover_every_worker(mesh: Mesh) -> None:
    token = mesh.register()["access_token"]
    method = "/tablemesh.users.v1.UsersService/GetMe"
    before = calls(scrape(mesh, "users"), method, "OK")
    for _ in range(20):  # spread over both users workers by the kernel and Envoy
        assert mesh.http.get("/api/v1/users/me", headers=bearer(token)).status_code == 200
    after = scrape(mesh, "users")
    assert calls(after, method, "OK") - before == 20
    assert "tablemesh_rpc_duration_seconds_bucket" in after


def test_every_service_has_a_metrics_endpoint(mesh: Mesh) -> None:
    headers = bearer(mesh.register()["access_token"])  # auth and users handle calls
    paths = ("/api/v1/health", "/api/v1/bases", "/api/v1/mcp/tools", "/api/v1/sessions")
    for path in (*paths, "/api/v1/saga-types"):
        assert mesh.http.get(path, headers=headers).status_code == 200, path
    for spec in mesh.services:
        text = scrape(mesh, spec.name)
        assert f'service="{spec.name}"' in text, spec.name
