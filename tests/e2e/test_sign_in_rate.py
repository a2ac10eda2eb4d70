"""One sign-in/sign-up bucket per client address, kept by auth in Redis: REST and gRPC
through Envoy and calls straight to auth's port all count against it, and a forged
x-forwarded-for does not move a caller to another bucket."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterator

import grpc
import psycopg
import pytest
import redis
from tablemesh.auth.v1 import auth_service_pb2 as pb
from tablemesh.auth.v1.auth_service_pb2_grpc import AuthServiceStub

from tests.e2e.mesh import Mesh

LIMIT = 1000  # TABLEMESH_AUTH_RATE_LIMIT_PER_MINUTE of the shared e2e mesh


def bucket(address: str) -> str:
    return "auth:sign-in-rate:" + hashlib.sha256(address.encode()).hexdigest()[:32]


@pytest.fixture
def store(mesh: Mesh) -> Iterator[redis.Redis]:
    """The mesh's Redis with this machine's bucket emptied before and after the test."""
    client = redis.Redis.from_url(mesh.env["REDIS_URL"])
    client.delete(bucket("127.0.0.1"))
    yield client
    client.delete(bucket("127.0.0.1"))
    client.close()


def count(store: redis.Redis, address: str) -> int:
    return int(store.get(bucket(address)) or 0)


def grpc_login(target: str) -> grpc.StatusCode:
    with grpc.insecure_channel(target) as channel:
        try:
            AuthServiceStub(channel).Login(
                pb.LoginRequest(email="nobody@example.com", password="wrong"), timeout=10
            )
        except grpc.RpcError as err:
            return err.code()  # type: ignore[no-any-return]
    return grpc.StatusCode.OK


def test_rest_grpc_and_the_service_port_share_one_bucket(mesh: Mesh, store: redis.Redis) -> None:
    direct = f"127.0.0.1:{mesh.port('auth')}"
    login = {"email": "nobody@example.com", "password": "wrong"}
    assert mesh.http.post("/api/v1/auth/login", json=login).status_code == 401
    assert mesh.http.post("/api/v1/auth/register", json={}).status_code == 400
    exchange = mesh.http.post("/api/v1/auth/api-keys:exchange", json={"api_key": "nope"})
    assert exchange.status_code == 401, exchange.text
    # Refreshing is not a sign-in: it is not counted.
    refresh = mesh.http.post("/api/v1/auth/refresh", json={"refresh_token": "nope"})
    assert refresh.status_code == 401
    assert grpc_login(mesh.gateway) == grpc.StatusCode.UNAUTHENTICATED
    assert grpc_login(direct) == grpc.StatusCode.UNAUTHENTICATED
    assert count(store, "127.0.0.1") == 5


def test_a_forged_forwarded_for_counts_against_the_real_address(
    mesh: Mesh, store: redis.Redis
) -> None:
    forged = f"203.0.113.{uuid.uuid4().int % 250}"
    reply = mesh.http.post(
        "/api/v1/auth/login",
        json={"email": "nobody@example.com", "password": "wrong"},
        headers={"X-Forwarded-For": forged, "X-Envoy-External-Address": forged},
    )
    assert reply.status_code == 401
    assert count(store, "127.0.0.1") == 1
    assert count(store, forged) == 0


def test_a_spent_bucket_refuses_every_kind_of_call_and_stores_nothing(
    mesh: Mesh, store: redis.Redis
) -> None:
    store.set(bucket("127.0.0.1"), LIMIT, ex=60)
    email = f"u{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": "correct horse 1", "first_name": "A", "last_name": "B"}
    reply = mesh.http.post("/api/v1/auth/register", json=body)
    assert reply.status_code == 429, reply.text
    message = reply.json()["message"]
    assert message.startswith("too many sign-in and sign-up requests from this address")
    assert mesh.http.post("/api/v1/auth/login", json=body).status_code == 429
    assert grpc_login(mesh.gateway) == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert grpc_login(f"127.0.0.1:{mesh.port('auth')}") == grpc.StatusCode.RESOURCE_EXHAUSTED
    with psycopg.connect(mesh.database_url) as conn:
        stored = conn.execute("SELECT count(*) FROM auth.credentials WHERE email = %s", (email,))
        assert stored.fetchone() == (0,)
    store.delete(bucket("127.0.0.1"))
    assert mesh.http.post("/api/v1/auth/register", json=body).status_code == 200


def test_the_per_account_throttle_holds_on_the_service_port(mesh: Mesh) -> None:
    account = mesh.register()
    direct = f"127.0.0.1:{mesh.port('auth')}"
    codes = []
    with grpc.insecure_channel(direct) as channel:
        stub = AuthServiceStub(channel)
        for _ in range(6):
            try:
                stub.Login(pb.LoginRequest(email=account["email"], password="wrong"), timeout=10)
            except grpc.RpcError as err:
                codes.append(err.code())
    assert codes[0] == grpc.StatusCode.UNAUTHENTICATED
    assert codes[-1] == grpc.StatusCode.RESOURCE_EXHAUSTED
    right = {"email": account["email"], "password": account["password"]}
    # The account is throttled through the gateway too, until the 4 s window lifts.
    assert mesh.http.post("/api/v1/auth/login", json=right).status_code == 429
    deadline = time.monotonic() + 15
    while mesh.http.post("/api/v1/auth/login", json=right).status_code == 429:
        assert time.monotonic() < deadline, "the throttle did not lift"
        time.sleep(0.5)
