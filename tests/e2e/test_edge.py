"""The public edge of a default mesh: where it listens, and long request lines."""

from __future__ import annotations

import socket

import pytest

from services.gateway.envoy_config import MAX_REQUEST_HEADERS_KB
from services.runtime import registry
from tests.e2e.mesh import Mesh, bearer


def test_the_gateway_listens_on_loopback_only_by_default(mesh: Mesh) -> None:
    port = registry.GATEWAY_PORT + mesh.offset
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    # 127.0.0.2 is this machine too, but not the address the gateway was told to use.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.2", port), timeout=5)


# Room for the token and the other headers within the gateway's limit.
UNDER_LIMIT = MAX_REQUEST_HEADERS_KB * 1024 - 2048


def test_long_headers_under_the_limit_work_every_time(mesh: Mesh) -> None:
    # The services must accept everything the gateway lets through as metadata, or such
    # requests fail at random with 429 (gRPC's soft metadata limit is 8 KiB).
    token = mesh.register()["access_token"]
    headers = {**bearer(token), "x-filler": "z" * UNDER_LIMIT}
    for _ in range(10):
        reply = mesh.http.get("/api/v1/users/me", headers=headers)
        assert reply.status_code == 200, reply.text[:500]


def test_a_long_query_under_the_limit_gets_the_services_answer_every_time(mesh: Mesh) -> None:
    # The transcoder forwards the REST path, query and all, beside the gRPC one.
    token = mesh.register()["access_token"]
    for _ in range(10):
        reply = mesh.http.get(
            "/api/v1/users", params={"search": "z" * UNDER_LIMIT}, headers=bearer(token)
        )
        assert reply.status_code == 400, reply.text[:500]
        assert reply.json()["message"].startswith("search: must be at most"), reply.text[:500]


def test_a_query_over_the_limit_is_431(mesh: Mesh) -> None:
    token = mesh.register()["access_token"]
    search = "z" * (MAX_REQUEST_HEADERS_KB * 1024)
    reply = mesh.http.get("/api/v1/users", params={"search": search}, headers=bearer(token))
    assert reply.status_code == 431, reply.text[:500]
    body = reply.json()
    assert body["code"] == 8 and "x-envoy" not in body["message"]
