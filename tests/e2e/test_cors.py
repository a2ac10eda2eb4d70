"""CORS preflight works on every REST route for configured origins, and only for them
(the original system's CORS was broken)."""

from __future__ import annotations

import re
import uuid
from functools import partial

import httpx
import pytest
from google.api import annotations_pb2
from google.protobuf import descriptor_pool

from services.runtime import descriptors, registry
from tests.e2e.mesh import Mesh


def stable_id(template: str, match: re.Match[str]) -> str:
    """An id made from the route: the same in every run and pytest-xdist worker."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{template} {match[1]}"))


def rest_routes() -> list[tuple[str, str]]:
    routes = []
    descriptors.load_all()
    pool = descriptor_pool.Default()
    for spec in registry.SERVICES:
        for name in spec.grpc_services:
            for method in pool.FindServiceByName(name).methods:
                rule = method.GetOptions().Extensions[annotations_pb2.http]
                verb = rule.WhichOneof("pattern")
                if verb:
                    template = getattr(rule, verb)
                    path = re.sub(r"\{([^}]+)\}", partial(stable_id, template), template)
                    routes.append((verb.upper(), path))
    return routes


@pytest.mark.parametrize(("verb", "path"), rest_routes())
def test_preflight_allows_configured_origin_only(mesh: Mesh, verb: str, path: str) -> None:
    def preflight(origin: str) -> httpx.Response:
        return mesh.http.options(
            path,
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": verb,
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )

    allowed = preflight("https://app.example.com")
    assert allowed.status_code in (200, 204), allowed.text
    headers = allowed.headers
    assert headers["access-control-allow-origin"] == "https://app.example.com"
    assert verb in headers["access-control-allow-methods"]
    assert "authorization" in headers["access-control-allow-headers"]
    other = preflight("https://evil.example.net")
    assert "access-control-allow-origin" not in other.headers


def test_actual_request_carries_cors_headers(mesh: Mesh) -> None:
    reply = mesh.http.get("/api/v1/health", headers={"Origin": "http://localhost:3000"})
    assert reply.status_code == 200
    assert reply.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "x-request-id" in reply.headers["access-control-expose-headers"]
