"""How the orchestrator calls the mesh: as the "saga" service identity of a saga's tenant.

The tokens come from the runtime's ServiceTokens (auth's IssueServiceToken, cached per
tenant until shortly before they expire) and go out as explicit authorization metadata.
"""

from __future__ import annotations

from typing import TypeVar

from services.runtime.clients import MeshClients
from services.runtime.service_identity import ServiceTokens

S = TypeVar("S")
SERVICE_NAME = "saga"


class Participants:
    def __init__(self, clients: MeshClients, service_secret: str, call_timeout: float) -> None:
        self.clients = clients
        self.call_timeout = call_timeout
        self.tokens = ServiceTokens(clients, SERVICE_NAME, service_secret, call_timeout)

    def stub(self, stub_class: type[S], service: str) -> S:
        return self.clients.stub(stub_class, service)

    def forget(self, tenant_id: str) -> None:
        """Drops a cached token the mesh refused (for example after a key rotation)."""
        self.tokens.forget(tenant_id)

    async def metadata(self, tenant_id: str) -> list[tuple[str, str]]:
        return await self.tokens.metadata(tenant_id)
