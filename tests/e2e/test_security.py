"""Tokens are verified everywhere, tenants are isolated, roles are enforced."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import uuid
from typing import Any

import grpc
import jwt
import psycopg
import pytest
from cryptography.hazmat.primitives import serialization
from google.protobuf import descriptor_pool
from tablemesh.auth.v1 import auth_service_pb2 as auth_pb
from tablemesh.auth.v1.auth_service_pb2_grpc import AuthServiceStub
from tablemesh.users.v1 import users_service_pb2 as users_pb
from tablemesh.users.v1 import users_service_pb2_grpc as users_grpc

from services.runtime import descriptors, method_policy, registry
from services.runtime.config import OLD_DEFAULT_SERVICE_SECRET, Settings
from services.runtime.secret_keys import signing_key_encryption_key
from tests.e2e.mesh import Mesh, bearer


def signing_key(database_url: str) -> tuple[str, str, Any]:
    """The key the mesh signs with: the newest one its service secret decrypts."""
    secret = signing_key_encryption_key(Settings().service_secret.get_secret_value())
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT kid, algorithm, private_pem FROM auth.signing_keys "
            "WHERE retired_at IS NULL ORDER BY created_at DESC"
        ).fetchall()
    for kid, alg, pem in rows:
        try:
            return kid, alg, serialization.load_pem_private_key(pem.encode(), password=secret)
        except ValueError:
            continue  # another test's key, under another secret
    raise AssertionError("no signing key the mesh can use")


def claims_of(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def forge(database_url: str, claims: dict[str, Any], **changes: Any) -> str:
    kid, alg, key = signing_key(database_url)
    return jwt.encode(
        {**claims, "jti": str(uuid.uuid4()), **changes}, key, algorithm=alg, headers={"kid": kid}
    )


def refused(
    mesh: Mesh,
    token: str,
    http_status: int = 401,
    gateway_code: grpc.StatusCode = grpc.StatusCode.UNAUTHENTICATED,
) -> None:
    reply = mesh.http.get("/api/v1/users/me", headers=bearer(token))
    assert reply.status_code == http_status, reply.text
    with mesh.channel() as channel, pytest.raises(grpc.RpcError) as err:
        users_grpc.UsersServiceStub(channel).GetMe(
            users_pb.GetMeRequest(), metadata=[("authorization", f"Bearer {token}")], timeout=10
        )
    assert err.value.code() == gateway_code
    # Straight to the service, past Envoy: the service checks too.
    with (
        mesh.channel(f"127.0.0.1:{mesh.port('users')}") as channel,
        pytest.raises(grpc.RpcError) as direct,
    ):
        users_grpc.UsersServiceStub(channel).GetMe(
            users_pb.GetMeRequest(), metadata=[("authorization", f"Bearer {token}")], timeout=10
        )
    assert direct.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_no_token(mesh: Mesh) -> None:
    assert mesh.http.get("/api/v1/users/me").status_code == 401


def test_alg_none_is_refused(mesh: Mesh) -> None:
    claims = claims_of(mesh.register()["access_token"])
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=")
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    refused(mesh, f"{header.decode()}.{payload.decode()}.")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_hs256_signed_with_public_key_is_refused(mesh: Mesh) -> None:
    """The classic key-confusion attack: HMAC keyed with the published public key."""
    claims = claims_of(mesh.register()["access_token"])
    key = mesh.http.get("/api/v1/auth/jwks").json()["keys"][0]
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key["kid"]}).encode())
    signing_input = f"{header}.{b64(json.dumps(claims).encode())}"
    for secret in (json.dumps(key).encode(), base64.urlsafe_b64decode(key["x"] + "==")):
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        refused(mesh, f"{signing_input}.{b64(mac)}")


def test_expired_and_wrong_audience_are_refused(mesh: Mesh) -> None:
    claims = claims_of(mesh.register()["access_token"])
    now = int(time.time())
    refused(mesh, forge(mesh.database_url, claims, iat=now - 3600, exp=now - 60))
    # A token for another audience is not a token for this API: 401, at the gateway (where
    # jwt_authn alone would say 403) as at the services.
    refused(mesh, forge(mesh.database_url, claims, aud="someone-else"))
    # The forging itself works: the same key with good claims is accepted.
    good = forge(mesh.database_url, claims)
    assert mesh.http.get("/api/v1/users/me", headers=bearer(good)).status_code == 200


def test_reused_refresh_token_revokes_its_family(mesh: Mesh) -> None:
    account = mesh.register()
    first = account["refresh_token"]
    second = mesh.http.post("/api/v1/auth/refresh", json={"refresh_token": first}).json()
    reuse = mesh.http.post("/api/v1/auth/refresh", json={"refresh_token": first})
    assert reuse.status_code == 401, reuse.text
    # The family is gone: even the latest token of it no longer refreshes.
    latest = mesh.http.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert latest.status_code == 401


def test_other_tenant_user_is_not_found(mesh: Mesh) -> None:
    alice, mallory = mesh.register(), mesh.register()
    alice_id = alice["principal"]["user_id"]
    token = mallory["access_token"]
    assert mesh.http.get(f"/api/v1/users/{alice_id}", headers=bearer(token)).status_code == 404
    patch = mesh.http.patch(
        f"/api/v1/users/{alice_id}",
        params={"update_mask": "bio"},
        json={"bio": "pwned"},
        headers=bearer(token),
    )
    assert patch.status_code == 404
    mine = mesh.http.get("/api/v1/users/me", headers=bearer(alice["access_token"])).json()
    assert mine["user"]["bio"] == ""


def test_member_cannot_act_as_admin(mesh: Mesh) -> None:
    admin = mesh.register()
    member = mesh.invite(admin["access_token"])
    token = member["access_token"]
    admin_id = admin["principal"]["user_id"]
    assert mesh.http.delete(f"/api/v1/users/{admin_id}", headers=bearer(token)).status_code == 403
    patch = mesh.http.patch(
        f"/api/v1/users/{admin_id}",
        params={"update_mask": "role"},
        json={"role": "viewer"},
        headers=bearer(token),
    )
    assert patch.status_code == 403
    self_promote = mesh.http.patch(
        f"/api/v1/users/{member['principal']['user_id']}",
        params={"update_mask": "role"},
        json={"role": "admin"},
        headers=bearer(token),
    )
    assert self_promote.status_code == 400
    invite = mesh.http.post(
        "/api/v1/auth/invitations",
        json={"email": "x@example.com", "role": "admin"},
        headers=bearer(token),
    )
    assert invite.status_code == 403


def test_same_error_for_unknown_user_and_wrong_password(mesh: Mesh) -> None:
    account = mesh.register()
    wrong = mesh.http.post(
        "/api/v1/auth/login", json={"email": account["email"], "password": "wrong password"}
    )
    unknown = mesh.http.post(
        "/api/v1/auth/login", json={"email": "nobody@example.com", "password": "wrong password"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["message"] == unknown.json()["message"]


def test_repeated_failures_are_throttled_then_lift(mesh: Mesh) -> None:
    account = mesh.register()
    codes = [
        mesh.http.post(
            "/api/v1/auth/login", json={"email": account["email"], "password": "wrong password"}
        ).status_code
        for _ in range(20)
    ]
    assert codes[0] == 401 and codes[-1] == 429
    right = {"email": account["email"], "password": account["password"]}
    assert mesh.http.post("/api/v1/auth/login", json=right).status_code == 429
    # The mesh runs with a 4 s failure window, kept by Redis: it lifts by itself.
    deadline = time.monotonic() + 15
    while (reply := mesh.http.post("/api/v1/auth/login", json=right)).status_code == 429:
        assert time.monotonic() < deadline, "the throttle did not lift"
        time.sleep(0.25)
    assert reply.status_code == 200, reply.text


def non_public_methods() -> list[tuple[str, str]]:
    """(gRPC path, REST method + path) of every RPC that needs a token."""
    from google.api import annotations_pb2

    descriptors.load_all()
    pool = descriptor_pool.Default()
    found = []
    for spec in registry.SERVICES:
        for name in spec.grpc_services:
            service = pool.FindServiceByName(name)
            for method in service.methods:
                path = f"/{name}/{method.name}"
                # Internal methods do not exist at the gateway (tests/e2e/test_visibility.py).
                if registry.is_public(path) or method_policy.of(path).internal:
                    continue
                rule = method.GetOptions().Extensions[annotations_pb2.http]
                verb = rule.WhichOneof("pattern")
                rest = f"{verb.upper()} {getattr(rule, verb)}" if verb else ""
                found.append((path, rest))
    return found


@pytest.mark.parametrize(("grpc_path", "rest"), non_public_methods())
def test_every_private_method_refuses_a_missing_token(
    mesh: Mesh, grpc_path: str, rest: str
) -> None:
    with mesh.channel() as channel:
        call = channel.unary_unary(
            grpc_path, request_serializer=lambda _: b"", response_deserializer=lambda b: b
        )
        with pytest.raises(grpc.RpcError) as err:
            call(None, timeout=10)
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED, grpc_path
    if rest:
        verb, path = rest.split(" ", 1)
        concrete = re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path)
        reply = mesh.http.request(verb, concrete, json={} if verb != "GET" else None)
        assert reply.status_code == 401, (rest, reply.text)


def test_no_known_secret_gets_a_service_token(mesh: Mesh) -> None:
    """The old built-in default, and the mesh's secret itself (only a key derived from it
    authenticates a service), get no token: through the gateway (where the method may
    have no route at all) nor on auth's own port."""
    mesh_secret = mesh.env["TABLEMESH_SERVICE_SECRET"]
    tenant = mesh.register()["principal"]["tenant_id"]
    direct = f"127.0.0.1:{mesh.port('auth')}"
    # Three failures: under the per-address limit, so the mesh's own services (on the
    # same address) keep getting their tokens.
    tries = [(mesh.gateway, OLD_DEFAULT_SERVICE_SECRET)]
    tries += [(direct, OLD_DEFAULT_SERVICE_SECRET), (direct, mesh_secret)]
    for target, secret in tries:
        with mesh.channel(target) as channel, pytest.raises(grpc.RpcError) as err:
            AuthServiceStub(channel).IssueServiceToken(
                auth_pb.IssueServiceTokenRequest(
                    service_name=f"probe-{uuid.uuid4().hex[:6]}",
                    service_secret=secret,
                    tenant_id=tenant,
                ),
                timeout=10,
            )
        assert err.value.code() in (
            grpc.StatusCode.PERMISSION_DENIED,
            grpc.StatusCode.UNIMPLEMENTED,
        ), (target, err.value.details())
