"""The gateway's own defences: slow clients, oversized request lines, per-connection limits."""

from __future__ import annotations

import asyncio
import json
import time

import grpc
import httpx
import pytest
from tablemesh.users.v1 import users_service_pb2 as users_pb2
from tablemesh.users.v1 import users_service_pb2_grpc as users_grpc

from services.gateway.envoy_config import MAX_REQUEST_HEADERS_KB, REQUEST_HEADERS_TIMEOUT
from services.runtime import registry
from tests.gateway.conftest import Gateway
from tests.gateway.harness import KNOWN_USER, assert_status, bearer

# Bounds real elapsed time, deadlines or leases: `make test` runs it before the meshes boot.
pytestmark = pytest.mark.realtime

HEADERS_TIMEOUT = float(REQUEST_HEADERS_TIMEOUT.rstrip("s"))


async def test_a_client_trickling_headers_is_cut_off(gateway: Gateway) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", registry.gateway_port())
    began = time.monotonic()
    writer.write(b"GET /api/v1/health HTTP/1.1\r\nHost: gateway\r\n")
    answer = b""
    line = 0
    try:
        # One more header line every 2 s, for as long as the gateway keeps listening.
        while time.monotonic() - began < HEADERS_TIMEOUT + 10:
            try:
                chunk = await asyncio.wait_for(reader.read(4096), 2)
            except TimeoutError:
                line += 1
                writer.write(f"x-slow-{line}: still typing\r\n".encode())
                await writer.drain()
                continue
            if not chunk:
                break
            answer += chunk
    except ConnectionResetError:
        pass
    finally:
        writer.close()
    elapsed = time.monotonic() - began
    assert HEADERS_TIMEOUT - 1 <= elapsed <= HEADERS_TIMEOUT + 3, (elapsed, answer)
    assert line >= HEADERS_TIMEOUT // 2 - 1
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ") and b"connection: close" in head, answer
    assert json.loads(body) == {"code": 4, "message": "request header timeout", "details": []}


LIMIT = MAX_REQUEST_HEADERS_KB * 1024


@pytest.mark.parametrize("where", ["path", "query"])
async def test_a_request_line_over_the_limit_is_431_every_time(
    http: httpx.AsyncClient, gateway: Gateway, where: str
) -> None:
    long = "a" * (LIMIT + 1)
    url = f"/api/v1/users/{long}" if where == "path" else f"/api/v1/users/u-1?x={long}"
    for _ in range(5):
        reply = await http.get(url, headers=bearer(gateway.signer.token()))
        body = assert_status(reply, 431, 8)
        assert body["message"] == "Request Header Fields Too Large"


async def test_headers_over_the_limit_are_431(http: httpx.AsyncClient, gateway: Gateway) -> None:
    headers = {**bearer(gateway.signer.token()), "x-filler": "b" * LIMIT}
    assert_status(await http.get(f"/api/v1/users/{KNOWN_USER}", headers=headers), 431, 8)


async def test_native_grpc_wrong_audience_is_unauthenticated(gateway: Gateway) -> None:
    token = gateway.signer.token(aud="someone-else")
    async with grpc.aio.insecure_channel(gateway.grpc_target) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await users_grpc.UsersServiceStub(channel).GetUser(
                users_pb2.GetUserRequest(user_id=KNOWN_USER),
                metadata=(("authorization", f"Bearer {token}"),),
                timeout=5,
            )
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert err.value.details() == "Jwt audience is not allowed"
