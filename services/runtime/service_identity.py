"""How a service calls the mesh as itself: a service identity within one tenant.

Service tokens come from auth's IssueServiceToken (given the service's name and the
service-auth key derived from the mesh's service secret; the secret itself never travels)
and are cached per tenant until shortly before they expire. They go out as
explicit authorization metadata, which the runtime's client layer forwards instead of the
token of whoever called this service.

Failures of IssueServiceToken reach the caller as the gRPC error auth answered, so that a
caller can tell a retryable one (UNAVAILABLE) from a refusal.
"""

from __future__ import annotations

from typing import Any

import grpc
from tablemesh.auth.v1 import auth_service_pb2 as auth_pb
from tablemesh.auth.v1 import auth_service_pb2_grpc as auth_grpc

from services.runtime import clock
from services.runtime.clients import DEFAULT_TIMEOUT, MeshClients
from services.runtime.secret_keys import service_auth_key

# Renew a cached token this many seconds before it expires (at most half its lifetime).
EXPIRY_MARGIN = 60.0
# Tokens of this many tenants at most are kept; past that the cache starts afresh.
CACHE_LIMIT = 10_000


class ServiceTokens:
    """The service tokens of one mesh service, one per tenant it acts in."""

    def __init__(
        self,
        clients: MeshClients,
        service_name: str,
        service_secret: str,
        call_timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.clients = clients
        self.service_name = service_name
        self._auth_key = service_auth_key(service_secret)
        self.call_timeout = call_timeout
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}

    async def token(self, tenant_id: str, on_behalf_of: str = "") -> str:
        """A valid token of this service in the tenant (or, given a user id, acting as that
        user with the user's permissions), from the cache while it lasts."""
        key = (tenant_id, on_behalf_of)
        cached = self._tokens.get(key)
        if cached and cached[1] > clock.monotonic():
            return cached[0]
        auth = self.clients.stub(auth_grpc.AuthServiceStub, "auth")
        reply = await auth.IssueServiceToken(
            auth_pb.IssueServiceTokenRequest(
                service_name=self.service_name,
                service_secret=self._auth_key,
                tenant_id=tenant_id,
                on_behalf_of_user_id=on_behalf_of,
            ),
            timeout=self.call_timeout,
        )
        valid_for = max(1.0, reply.expires_in - min(EXPIRY_MARGIN, reply.expires_in / 2))
        if len(self._tokens) >= CACHE_LIMIT:
            self._tokens.clear()
        self._tokens[key] = (reply.access_token, clock.monotonic() + valid_for)
        return reply.access_token

    def forget(self, tenant_id: str, on_behalf_of: str = "") -> None:
        """Drops a cached token the mesh refused (for example after a key rotation)."""
        self._tokens.pop((tenant_id, on_behalf_of), None)

    async def metadata(self, tenant_id: str, on_behalf_of: str = "") -> list[tuple[str, str]]:
        """The call metadata that makes a stub call go out as this service in the tenant
        (or as the user it acts for)."""
        return [("authorization", f"Bearer {await self.token(tenant_id, on_behalf_of)}")]

    async def call(
        self,
        method: Any,
        request: Any,
        tenant_id: str,
        *,
        on_behalf_of: str = "",
    ) -> Any:
        """Calls a stub method as this service in the tenant (or as the user it acts for).
        A cached token the callee refuses (UNAUTHENTICATED: revoked by a demotion or a
        password change, or signed with a rotated key) is dropped and the call made once
        more with a new one; every other error is raised as the callee answered it. Each try
        has the call timeout this service was given."""
        for attempt in (1, 2):
            metadata = await self.metadata(tenant_id, on_behalf_of)
            try:
                return await method(request, metadata=metadata, timeout=self.call_timeout)
            except grpc.aio.AioRpcError as exc:
                if exc.code() != grpc.StatusCode.UNAUTHENTICATED or attempt == 2:
                    raise
                self.forget(tenant_id, on_behalf_of)
        raise AssertionError("unreachable")
