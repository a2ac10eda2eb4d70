"""Puts a new base into its workspace: LinkBase at the workspaces service, as this service.

The airtable service has already checked that the caller may add bases to the workspace;
the link goes out as the airtable service's own identity because the caller holds no role
on a base that is in no workspace yet, which LinkBase would otherwise ask for.
"""

from __future__ import annotations

from tablemesh.workspaces.v1 import workspaces_service_pb2 as pb
from tablemesh.workspaces.v1 import workspaces_service_pb2_grpc as pb_grpc

from services.runtime.clients import MeshClients
from services.runtime.failures import answers_from
from services.runtime.service_identity import ServiceTokens

WORKSPACES = "workspaces"


class WorkspaceLinks:
    def __init__(self, clients: MeshClients, tokens: ServiceTokens) -> None:
        self._clients = clients
        self._tokens = tokens

    async def link(self, tenant_id: str, workspace_id: str, base_id: str) -> None:
        stub = self._clients.stub(pb_grpc.WorkspacesServiceStub, WORKSPACES)
        request = pb.LinkBaseRequest(workspace_id=workspace_id, base_id=base_id)
        with answers_from(WORKSPACES):
            await self._tokens.call(stub.LinkBase, request, tenant_id)
