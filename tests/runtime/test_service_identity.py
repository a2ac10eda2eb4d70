"""ServiceTokens against a small gRPC auth server that counts the tokens it issues and
records the token each call arrives with."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest
from google.api import httpbody_pb2
from tablemesh.auth.v1 import auth_service_pb2 as pb
from tablemesh.auth.v1 import auth_service_pb2_grpc as pb_grpc

from services.runtime.clients import MeshClients
from services.runtime.identity import Caller, set_caller
from services.runtime.secret_keys import service_auth_key
from services.runtime.service_identity import ServiceTokens
from tests.clock import FakeClock

SECRET = "the-shared-secret"


@dataclass
class Issuer(pb_grpc.AuthServiceServicer):
    expires_in: int = 900
    issued: list[pb.IssueServiceTokenRequest] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    # GetJwks answers a call with one of these tokens with this code instead.
    refuse: dict[str, grpc.StatusCode] = field(default_factory=dict)

    async def IssueServiceToken(self, request: Any, context: Any) -> pb.IssueServiceTokenResponse:
        if request.service_secret != service_auth_key(SECRET):
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, "wrong secret")
        self.issued.append(request)
        token = f"{request.service_name}-{request.tenant_id}-{len(self.issued)}"
        return pb.IssueServiceTokenResponse(access_token=token, expires_in=self.expires_in)

    async def GetJwks(self, request: Any, context: Any) -> httpbody_pb2.HttpBody:
        bearer = dict(context.invocation_metadata()).get("authorization", "")
        self.seen.append(bearer)
        if code := self.refuse.get(bearer.removeprefix("Bearer ")):
            await context.abort(code, "refused")
        return httpbody_pb2.HttpBody(content_type="application/json", data=b"{}")


@pytest.fixture
async def issuer(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Issuer]:
    found = Issuer()
    server = grpc.aio.server()
    pb_grpc.add_AuthServiceServicer_to_server(found, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    monkeypatch.setenv("TABLEMESH_AUTH_ADDR", f"127.0.0.1:{port}")
    yield found
    await server.stop(0)


@pytest.fixture
async def clients(issuer: Issuer) -> AsyncIterator[MeshClients]:
    mesh = MeshClients()
    yield mesh
    await mesh.close()


async def test_tokens_are_cached_per_tenant_until_forgotten(
    issuer: Issuer, clients: MeshClients
) -> None:
    tokens = ServiceTokens(clients, "workspaces", SECRET)
    first = await tokens.token("t1")
    assert await tokens.token("t1") == first
    assert await tokens.token("t2") != first
    assert [(r.service_name, r.tenant_id) for r in issuer.issued] == [
        ("workspaces", "t1"),
        ("workspaces", "t2"),
    ]
    tokens.forget("t1")
    tokens.forget("unknown")  # nothing cached: nothing to do
    renewed = await tokens.token("t1")
    assert renewed != first and len(issuer.issued) == 3


async def test_tokens_are_renewed_before_they_expire(
    issuer: Issuer, clients: MeshClients, clock: FakeClock
) -> None:
    # A two-second token is kept for one second (half its lifetime), then renewed.
    issuer.expires_in = 2
    tokens = ServiceTokens(clients, "saga", SECRET)
    first = await tokens.token("t1")
    clock.advance(0.9)
    assert await tokens.token("t1") == first
    clock.advance(0.2)
    assert await tokens.token("t1") != first


async def test_refusals_reach_the_caller_as_grpc_errors(
    issuer: Issuer, clients: MeshClients
) -> None:
    tokens = ServiceTokens(clients, "workspaces", "not-the-secret")
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await tokens.token("t1")
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_service_metadata_overrides_the_callers_token(
    issuer: Issuer, clients: MeshClients
) -> None:
    tokens = ServiceTokens(clients, "workspaces", SECRET)
    set_caller(Caller("u1", "t1", "member", "u@example.com", "jti", 2**40, "user-token"))
    try:
        stub = clients.stub(pb_grpc.AuthServiceStub, "auth")
        await stub.GetJwks(pb.GetJwksRequest())
        await stub.GetJwks(pb.GetJwksRequest(), metadata=await tokens.metadata("t1"))
    finally:
        set_caller(None)
    assert issuer.seen == ["Bearer user-token", f"Bearer {await tokens.token('t1')}"]


async def test_a_refused_token_is_renewed_once_and_other_errors_pass_through(
    issuer: Issuer, clients: MeshClients
) -> None:
    tokens = ServiceTokens(clients, "webhooks", SECRET)
    stub = clients.stub(pb_grpc.AuthServiceStub, "auth")
    issuer.refuse["webhooks-t1-1"] = grpc.StatusCode.UNAUTHENTICATED  # e.g. a rotated key
    await tokens.call(stub.GetJwks, pb.GetJwksRequest(), "t1")
    assert issuer.seen == ["Bearer webhooks-t1-1", "Bearer webhooks-t1-2"]
    await tokens.call(stub.GetJwks, pb.GetJwksRequest(), "t1")  # the new one is kept
    assert len(issuer.issued) == 2

    issuer.refuse["webhooks-t1-2"] = grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as denied:
        await tokens.call(stub.GetJwks, pb.GetJwksRequest(), "t1")
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert len(issuer.issued) == 2  # a refusal is not a stale token: no new one

    issuer.refuse.update({f"webhooks-t2-{n}": grpc.StatusCode.UNAUTHENTICATED for n in (3, 4)})
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await tokens.call(stub.GetJwks, pb.GetJwksRequest(), "t2")
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert len(issuer.issued) == 4  # tried once more, not for ever
