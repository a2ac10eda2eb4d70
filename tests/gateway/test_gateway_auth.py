"""Tokens at the gateway: REST and native gRPC, public and protected methods."""

from __future__ import annotations

import base64
import json
import re

import grpc
import httpx
import pytest
from tablemesh.auth.v1 import auth_service_pb2 as auth_pb2
from tablemesh.auth.v1 import auth_service_pb2_grpc as auth_grpc
from tablemesh.users.v1 import users_service_pb2 as users_pb2
from tablemesh.users.v1 import users_service_pb2_grpc as users_grpc

from services.gateway.http_rules import exposed, load_methods
from services.runtime import registry
from tests.gateway.conftest import Gateway
from tests.gateway.harness import (
    ACCESS_TOKEN,
    KNOWN_USER,
    REFRESH_TOKEN,
    assert_status,
    bearer,
)


async def test_login_is_transcoded_with_snake_case_fields(http: httpx.AsyncClient) -> None:
    response = await http.post("/api/v1/auth/login", json={"email": "a@b.c", "password": "pw"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["access_token"] == ACCESS_TOKEN
    assert body["refresh_token"] == REFRESH_TOKEN
    assert body["token_type"] == "Bearer"
    assert int(body["expires_in"]) == 900  # a JSON string if the field is ever an int64
    assert response.headers.get("x-request-id")


async def test_missing_token_is_401_status_json(http: httpx.AsyncClient) -> None:
    response = await http.get(f"/api/v1/users/{KNOWN_USER}")
    assert_status(response, 401, 16)


async def test_signed_token_is_accepted_and_not_found_is_404(
    http: httpx.AsyncClient, gateway: Gateway
) -> None:
    token = gateway.signer.token()
    found = await http.get(f"/api/v1/users/{KNOWN_USER}", headers=bearer(token))
    assert found.status_code == 200, found.text
    missing = await http.get("/api/v1/users/nobody", headers=bearer(token))
    body = assert_status(missing, 404, 5)
    assert "nobody" in body["message"]
    # Envoy forwards the token (services verify it again) and the trace context.
    forwarded = gateway.seen.metadata[-1]
    assert forwarded["authorization"] == f"Bearer {token}"
    assert re.fullmatch(r"00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]", forwarded["traceparent"])
    assert forwarded.get("x-request-id")


def unsigned(claims: dict) -> str:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


@pytest.mark.parametrize(
    ("kind", "http_status", "code"),
    # jwt_authn's own answer to a good token for another audience is 403; the gateway
    # makes it 401 like every token it refuses (local_replies.WRONG_AUDIENCE).
    [
        ("alg_none", 401, 16),
        ("expired", 401, 16),
        ("wrong_audience", 401, 16),
        ("wrong_issuer", 401, 16),
        ("garbage", 401, 16),
    ],
)
async def test_bad_tokens_are_refused(
    http: httpx.AsyncClient, gateway: Gateway, kind: str, http_status: int, code: int
) -> None:
    signer = gateway.signer
    token = {
        "alg_none": lambda: unsigned(
            {"sub": KNOWN_USER, "iss": signer.issuer, "aud": signer.audience, "exp": 4102444800}
        ),
        "expired": lambda: signer.token(ttl=-3600),
        "wrong_audience": lambda: signer.token(aud="someone-else"),
        "wrong_issuer": lambda: signer.token(iss="someone-else"),
        "garbage": lambda: "not-a-jwt",
    }[kind]()
    response = await http.get(f"/api/v1/users/{KNOWN_USER}", headers=bearer(token))
    body = assert_status(response, http_status, code)
    if kind == "wrong_audience":
        assert body["message"] == "Jwt audience is not allowed"


async def test_native_grpc_needs_a_token(gateway: Gateway) -> None:
    async with grpc.aio.insecure_channel(gateway.grpc_target) as channel:
        users = users_grpc.UsersServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await users.GetUser(users_pb2.GetUserRequest(user_id=KNOWN_USER), timeout=5)
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert err.value.details() == "Jwt is missing"
        metadata = (("authorization", f"Bearer {gateway.signer.token()}"),)
        reply = await users.GetUser(
            users_pb2.GetUserRequest(user_id=KNOWN_USER), metadata=metadata, timeout=5
        )
        assert reply.user.id == KNOWN_USER
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await users.GetUser(users_pb2.GetUserRequest(user_id="x"), metadata=metadata, timeout=5)
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
        # Public methods need no token.
        login = await auth_grpc.AuthServiceStub(channel).Login(
            auth_pb2.LoginRequest(email="a@b.c", password="pw"), timeout=5
        )
        assert login.access_token == ACCESS_TOKEN


async def test_every_protected_method_refuses_a_missing_token_in_both_forms(
    http: httpx.AsyncClient, gateway: Gateway
) -> None:
    services = [svc for spec in registry.SERVICES for svc in spec.grpc_services]
    methods = exposed(load_methods(services))
    protected = [m for m in methods if not m.policy.public]
    assert protected
    async with grpc.aio.insecure_channel(gateway.grpc_target) as channel:
        for m in protected:
            call = channel.unary_unary(m.path, lambda b: b, lambda b: b)
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await call(b"", timeout=5)
            assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED, m.path
            for b in m.bindings:
                path = re.sub(r"\{[^}]+\}", "x", b.template)
                response = await http.request(b.verb, path, json={})
                assert_status(response, 401, 16)


async def test_internal_methods_do_not_exist_at_the_gateway(gateway: Gateway) -> None:
    """With or without a good token: UNIMPLEMENTED, as for a method nobody defined."""
    services = [svc for spec in registry.SERVICES for svc in spec.grpc_services]
    internal = [m for m in load_methods(services) if m.policy.internal]
    assert "/tablemesh.auth.v1.AuthService/IssueServiceToken" in {m.path for m in internal}
    metadata = (("authorization", f"Bearer {gateway.signer.token()}"),)
    async with grpc.aio.insecure_channel(gateway.grpc_target) as channel:
        for m in internal:
            call = channel.unary_unary(m.path, lambda b: b, lambda b: b)
            for sent in (None, metadata):
                with pytest.raises(grpc.aio.AioRpcError) as err:
                    await call(b"", timeout=5, metadata=sent)
                assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED, (m.path, sent)
