"""Internal methods do not exist at the gateway: no route, REST or native gRPC, whoever
calls and whatever they send, and reflection through the gateway does not list them."""

from __future__ import annotations

import re
import uuid

import grpc
import pytest
from tablemesh.auth.v1 import auth_service_pb2 as auth_pb
from tablemesh.auth.v1 import auth_service_pb2_grpc as auth_grpc

from services.gateway.http_rules import load_methods
from services.runtime import registry
from services.runtime.config import Settings
from services.runtime.secret_keys import service_auth_key
from tests.e2e.mesh import Mesh, bearer
from tests.e2e.test_clients import grpcurl

SERVICES = [svc for spec in registry.SERVICES for svc in spec.grpc_services]
METHODS = load_methods(SERVICES)
INTERNAL = [m for m in METHODS if m.policy.internal]


def service_token_request(tenant_id: str) -> auth_pb.IssueServiceTokenRequest:
    """What a mesh service sends (and an attacker who knew the secret would)."""
    key = service_auth_key(Settings().service_secret.get_secret_value())
    return auth_pb.IssueServiceTokenRequest(
        service_name="saga", service_secret=key, tenant_id=tenant_id
    )


def test_issue_service_token_is_unimplemented_through_the_gateway(mesh: Mesh) -> None:
    account = mesh.register()
    with mesh.channel() as channel:
        stub = auth_grpc.AuthServiceStub(channel)
        for metadata in (None, [("authorization", f"Bearer {account['access_token']}")]):
            with pytest.raises(grpc.RpcError) as err:
                stub.IssueServiceToken(
                    service_token_request(account["principal"]["tenant_id"]),
                    metadata=metadata,
                    timeout=10,
                )
            assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED
    # The services still reach it on auth's own port: that is what it is for.
    with mesh.channel(f"127.0.0.1:{mesh.port('auth')}") as channel:
        reply = auth_grpc.AuthServiceStub(channel).IssueServiceToken(
            service_token_request(account["principal"]["tenant_id"]), timeout=10
        )
    assert reply.access_token


@pytest.mark.parametrize("method", [m.path for m in INTERNAL])
def test_every_internal_method_is_unimplemented_at_the_gateway(mesh: Mesh, method: str) -> None:
    with mesh.channel() as channel:
        call = channel.unary_unary(method, lambda b: b, lambda b: b)
        with pytest.raises(grpc.RpcError) as err:
            call(b"", timeout=10)
    assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_internal_names_have_no_rest_route(mesh: Mesh) -> None:
    account = mesh.register()
    for m in INTERNAL:
        for path in (m.path, f"/api/v1/{m.name}", f"/api/v1/{m.service}/{m.name}"):
            reply = mesh.http.post(path, json={}, headers=bearer(account["access_token"]))
            assert reply.status_code == 404, (path, reply.text)
            assert reply.json()["code"] == 5


def test_reflection_through_the_gateway_lists_only_what_a_client_may_call(mesh: Mesh) -> None:
    for service in {m.service for m in INTERNAL}:
        described = grpcurl(mesh.gateway, "describe", service)
        assert described.returncode == 0, described.stderr
        listed = set(re.findall(r"rpc (\w+) \(", described.stdout))
        hidden = {m.name for m in INTERNAL if m.service == service}
        public = {m.name for m in METHODS if m.service == service} - hidden
        # A service that is internal through and through (the model) shows no method.
        assert listed == public, (service, listed, public)
    # A service's own port still describes everything it implements.
    described = grpcurl(
        f"127.0.0.1:{mesh.port('auth')}", "describe", "tablemesh.auth.v1.AuthService"
    )
    assert "rpc IssueServiceToken" in described.stdout


def test_an_unknown_method_looks_the_same_as_an_internal_one(mesh: Mesh) -> None:
    with mesh.channel() as channel:
        call = channel.unary_unary(
            f"/tablemesh.auth.v1.AuthService/{uuid.uuid4().hex}", lambda b: b, lambda b: b
        )
        with pytest.raises(grpc.RpcError) as err:
            call(b"", timeout=10)
    assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED
