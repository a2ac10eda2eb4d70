"""Envoy's own replies as google.rpc.Status JSON, CORS, body limit and rate limits."""

from __future__ import annotations

import httpx
import pytest

from tests.gateway.conftest import ALLOWED_ORIGIN, Gateway
from tests.gateway.harness import (
    KNOWN_USER,
    assert_status,
    bearer,
)


async def test_unknown_query_parameter_is_400(http: httpx.AsyncClient, gateway: Gateway) -> None:
    response = await http.get(
        f"/api/v1/users/{KNOWN_USER}?bogus=1", headers=bearer(gateway.signer.token())
    )
    assert_status(response, 400, 3)


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/nope", "/docs/a/b"])
async def test_unknown_path_is_404_json(
    http: httpx.AsyncClient, gateway: Gateway, path: str
) -> None:
    response = await http.get(path, headers=bearer(gateway.signer.token()))
    assert_status(response, 404, 5)


async def test_malformed_json_is_400(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/api/v1/auth/login", content=b'{"email": ', headers={"content-type": "application/json"}
    )
    assert_status(response, 400, 3)


async def test_body_size_limit(http: httpx.AsyncClient) -> None:
    from services.runtime.config import settings

    limit = settings().max_request_bytes
    headers = {"content-type": "application/json"}

    def body(size: int) -> bytes:
        data = b'{"email": "' + b"a" * (size - 13) + b'"}'
        assert len(data) == size
        return data

    fits = await http.post("/api/v1/auth/login", content=body(limit), headers=headers)
    assert fits.status_code == 200, fits.text
    too_big = await http.post("/api/v1/auth/login", content=body(limit + 1), headers=headers)
    assert_status(too_big, 413, 8)


async def test_upstream_down_is_503_json(http: httpx.AsyncClient) -> None:
    # The platform service is not running in this test: its public route has no upstream.
    response = await http.get("/api/v1/health")
    assert_status(response, 503, 14)


@pytest.mark.parametrize("path", ["/api/v1/users/u-1", "/api/v1/auth/login", "/api/v1/health"])
async def test_cors_preflight(http: httpx.AsyncClient, path: str) -> None:
    asks = {
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization,content-type",
    }
    allowed = await http.options(path, headers={"origin": ALLOWED_ORIGIN, **asks})
    assert allowed.status_code == 200, allowed.text
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "PATCH" in allowed.headers["access-control-allow-methods"]
    assert "authorization" in allowed.headers["access-control-allow-headers"]
    refused = await http.options(path, headers={"origin": "http://evil.example", **asks})
    assert "access-control-allow-origin" not in refused.headers


async def test_cors_headers_on_actual_request(http: httpx.AsyncClient) -> None:
    response = await http.get("/api/v1/users/u-1", headers={"origin": ALLOWED_ORIGIN})
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "grpc-status" in response.headers["access-control-expose-headers"]
