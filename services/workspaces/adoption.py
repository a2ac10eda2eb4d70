"""Bases made before workspace roles governed bases move into a workspace, once.

Until then any member of a tenant used every base of it; now a base in no workspace is its
tenant admins' alone. So that nobody loses the bases they worked in, each tenant noted by
the migration (with its oldest live workspace) gets its bases that are in no workspace
linked there, as this service; then its note goes. A base a tenant admin makes later in no
workspace stays there: only the noted tenants are swept, and each only once.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.airtable.v1 import airtable_service_pb2 as air_pb
from tablemesh.airtable.v1 import airtable_service_pb2_grpc as air_grpc

from services.runtime import clock, logs
from services.runtime.clients import MeshClients
from services.workspaces.access import Access
from services.workspaces.link_store import LinkStore
from services.workspaces.model import LinkedBase
from services.workspaces.reconcile import place
from services.workspaces.store import base_adoptions

log = logs.get("workspaces.adoption")
ADOPTED_BY = "service:workspaces"


class Adoption:
    def __init__(
        self, engine: AsyncEngine, links: LinkStore, access: Access, clients: MeshClients
    ) -> None:
        self._engine = engine
        self._links = links
        self._access = access
        self._clients = clients

    async def run(self) -> int:
        """Adopts every noted tenant's bases; answers how many bases moved."""
        async with self._engine.connect() as conn:
            noted = (await conn.execute(sa.select(base_adoptions))).all()
        moved = 0
        for row in noted:
            moved += await self._adopt(str(row.tenant_id), str(row.workspace_id))
            async with self._engine.begin() as conn:
                await conn.execute(
                    base_adoptions.delete().where(base_adoptions.c.tenant_id == row.tenant_id)
                )
        if noted:
            log.info("bases moved into workspaces", tenants=len(noted), bases=moved)
        return moved

    async def _adopt(self, tenant_id: str, workspace_id: str) -> int:
        moved = 0
        for base_id in await self._bases(tenant_id):
            if await self._links.workspace_of(tenant_id, base_id) is not None:
                continue
            link = LinkedBase(base_id, ADOPTED_BY, clock.now())
            held_by, _ = await self._links.link(tenant_id, workspace_id, link)
            await place(self._links, self._access, tenant_id, held_by, base_id)
            moved += 1
        return moved

    async def _bases(self, tenant_id: str) -> list[str]:
        """Every base of the tenant, asked of the airtable service as this service."""
        stub = self._clients.stub(air_grpc.AirtableServiceStub, "airtable")
        found: list[str] = []
        token = ""
        while True:
            request = air_pb.ListBasesRequest(page_size=100, page_token=token)
            reply = await self._access.as_service(stub.ListBases, request, tenant_id, "airtable")
            found += [b.id for b in reply.bases]
            token = reply.next_page_token
            if not token:
                return found
