"""How the orchestrator calls the mesh: as the "saga" service identity of a saga's tenant.

Service tokens come from auth's IssueServiceToken (with the shared service secret) and are
cached per tenant until shortly before they expire. They go out as explicit authorization
metadata, which the runtime's client layer forwards instead of any caller's token.
"""

from __future__ import annotations

import time
from typing import TypeVar

from tablemesh.auth.v1 import auth_service_pb2 as auth_pb
from tablemesh.auth.v1 import auth_service_pb2_grpc as auth_grpc

from services.runtime.clients import MeshClients

S = TypeVar("S")
# Renew a cached token this many seconds before it expires.
EXPIRY_MARGIN = 60.0
SERVICE_NAME = "saga"


class Participants:
    def __init__(self, clients: MeshClients, service_secret: str, call_timeout: float) -> None:
        self.clients = clients
        self._secret = service_secret
        self.call_timeout = call_timeout
        self._tokens: dict[str, tuple[str, float]] = {}

    def stub(self, stub_class: type[S], service: str) -> S:
        return self.clients.stub(stub_class, service)

    async def token(self, tenant_id: str) -> str:
        cached = self._tokens.get(tenant_id)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        auth = self.clients.stub(auth_grpc.AuthServiceStub, "auth")
        reply = await auth.IssueServiceToken(
            auth_pb.IssueServiceTokenRequest(
                service_name=SERVICE_NAME, service_secret=self._secret, tenant_id=tenant_id
            ),
            timeout=self.call_timeout,
        )
        valid_for = max(1.0, reply.expires_in - min(EXPIRY_MARGIN, reply.expires_in / 2))
        self._tokens[tenant_id] = (reply.access_token, time.monotonic() + valid_for)
        return reply.access_token

    def forget(self, tenant_id: str) -> None:
        """Drops a cached token the mesh refused (for example after a key rotation)."""
        self._tokens.pop(tenant_id, None)

    async def metadata(self, tenant_id: str) -> list[tuple[str, str]]:
        return [("authorization", f"Bearer {await self.token(tenant_id)}")]
