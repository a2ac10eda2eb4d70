"""A real Envoy in front of small real gRPC servers standing in for auth and users.

The stand-ins implement just what the gateway tests need: AuthService.GetJwks (a real
Ed25519 JWKS), AuthService.Login (fixed tokens) and UsersService.GetUser, each with the
standard health service, on the registry's ports.
"""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from google.api import httpbody_pb2
from grpc_health.v1 import _async as health_aio
from grpc_health.v1 import health_pb2_grpc
from tablemesh.auth.v1 import auth_service_pb2 as auth_pb2
from tablemesh.auth.v1 import auth_service_pb2_grpc as auth_grpc
from tablemesh.users.v1 import users_service_pb2 as users_pb2
from tablemesh.users.v1 import users_service_pb2_grpc as users_grpc

from services.launcher import orphan_guard
from tests.tokens import access_token

KID = "gateway-test-key"
KNOWN_USER = "u-1"
ACCESS_TOKEN = "fixed-access-token"
REFRESH_TOKEN = "fixed-refresh-token"


class Signer:
    """An Ed25519 key pair: signs access tokens and publishes the JWKS."""

    def __init__(self, issuer: str, audience: str) -> None:
        self.key = Ed25519PrivateKey.generate()
        self.issuer, self.audience = issuer, audience

    def jwks(self) -> dict[str, Any]:
        raw = self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        jwk = {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": KID, "alg": "EdDSA", "use": "sig"}
        return {"keys": [jwk]}

    def token(self, ttl: int = 300, **overrides: Any) -> str:
        claims = {"sub": KNOWN_USER, "tenant_id": "t-1", "iss": self.issuer, "aud": self.audience}
        return access_token(self.key, KID, ttl, **{**claims, **overrides})


@dataclass
class Seen:
    """What the stand-ins received, for checks on what Envoy forwards."""

    metadata: list[dict[str, str]] = field(default_factory=list)

    def record(self, context: grpc.aio.ServicerContext) -> None:
        self.metadata.append({k: str(v) for k, v in context.invocation_metadata() or ()})


class Auth(auth_grpc.AuthServiceServicer):
    def __init__(self, signer: Signer, seen: Seen) -> None:
        self.signer, self.seen = signer, seen

    async def GetJwks(self, request: Any, context: Any) -> httpbody_pb2.HttpBody:
        body = json.dumps(self.signer.jwks()).encode()
        return httpbody_pb2.HttpBody(content_type="application/json", data=body)

    async def Login(self, request: Any, context: Any) -> auth_pb2.LoginResponse:
        self.seen.record(context)
        return auth_pb2.LoginResponse(
            access_token=ACCESS_TOKEN,
            refresh_token=REFRESH_TOKEN,
            token_type="Bearer",
            expires_in=900,
        )


class Users(users_grpc.UsersServiceServicer):
    def __init__(self, seen: Seen) -> None:
        self.seen = seen

    async def GetUser(self, request: Any, context: Any) -> users_pb2.GetUserResponse:
        self.seen.record(context)
        if request.user_id != KNOWN_USER:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"user {request.user_id} not found")
        user = users_pb2.User(
            id=KNOWN_USER,
            email="a@example.com",
            first_name="Ada",
            last_name="Lovelace",
            tenant_id="t-1",
            role="member",
        )
        return users_pb2.GetUserResponse(user=user)


async def start_server(port: int, add: Any) -> grpc.aio.Server:
    server = grpc.aio.server()
    add(server)
    health_pb2_grpc.add_HealthServicer_to_server(health_aio.HealthServicer(), server)
    if server.add_insecure_port(f"127.0.0.1:{port}") != port:
        raise RuntimeError(f"port {port} is taken")
    await server.start()
    return server


def envoy_binary() -> str:
    return str(Path(sys.executable).parent / "envoy")


@contextmanager
def run_envoy(command: list[str], log_dir: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Envoy run by command; always stopped on exit, even when the test fails."""
    with (
        (log_dir / "envoy.access.log").open("wb") as out,
        (log_dir / "envoy.log").open("wb") as err,
    ):
        proc = subprocess.Popen(
            # The guard makes the kernel stop Envoy if pytest itself is killed.
            orphan_guard.wrap([*command, "--log-level", "warning", "--drain-time-s", "1"]),
            stdout=out,
            stderr=err,
        )
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


async def wait_until(check: Any, what: str, seconds: float = 30.0) -> None:
    """Poll an async check; sleeping asynchronously keeps the stand-in servers serving."""
    deadline = time.monotonic() + seconds
    last: object = None
    while time.monotonic() < deadline:
        try:
            if await check():
                return
        except httpx.HTTPError as exc:
            last = exc
        await asyncio.sleep(0.2)
    raise TimeoutError(f"{what} within {seconds}s (last error: {last!r})")


def assert_status(response: httpx.Response, http: int, code: int) -> dict:
    """An error reply in google.rpc.Status JSON shape, with the expected codes."""
    assert response.status_code == http, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str)
    assert body.get("details", []) == [], body
    return body


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}
