"""The workspaces service's questions to the permissions service, over gRPC.

Members are role assignments the permissions service keeps on "workspace:<id>"; calls
carry the caller's own token (the mesh client propagates it), so permissions applies its
own rules as well. Two calls go out as the workspaces service's own identity in the
tenant: the grant that makes a new workspace's creator its owner (nobody may hand out that
role before the workspace has an owner), and placing a linked base inside its workspace
(SetResourceParent, which only services may call), after this service checked the caller.
"""

from __future__ import annotations

from typing import Any

import grpc
from tablemesh.permissions.v1 import permissions_service_pb2 as pb
from tablemesh.permissions.v1 import permissions_service_pb2_grpc as pb_grpc

from services.runtime.clients import MeshClients
from services.runtime.errors import Unavailable
from services.runtime.failures import answers_from
from services.runtime.service_identity import ServiceTokens
from services.workspaces.model import Member, resource

# How many of a user's workspace roles ListWorkspaces considers.
MAX_WORKSPACES_PER_USER = 1000
PERMISSIONS = "permissions"


def _member(p: pb.Permission) -> Member:
    return Member(
        user_id=p.subject,
        role=p.role,
        created_at=p.create_time.ToDatetime() if p.HasField("create_time") else None,
        updated_at=p.update_time.ToDatetime() if p.HasField("update_time") else None,
        permission_id=p.id,
    )


class Access:
    def __init__(self, clients: MeshClients, tokens: ServiceTokens) -> None:
        self._clients = clients
        self._tokens = tokens

    @property
    def _stub(self) -> pb_grpc.PermissionsServiceStub:
        return self._clients.stub(pb_grpc.PermissionsServiceStub, "permissions")

    async def check(self, user_id: str, workspace_id: str, action: str) -> pb.CheckResponse:
        request = pb.CheckRequest(subject=user_id, resource=resource(workspace_id), action=action)
        with answers_from(PERMISSIONS):
            return await self._stub.Check(request)

    async def grant(self, workspace_id: str, user_id: str, role: str, request_id: str) -> Member:
        request = pb.GrantRequest(
            subject=user_id, resource=resource(workspace_id), role=role, request_id=request_id
        )
        with answers_from(PERMISSIONS):
            reply = await self._stub.Grant(request)
        return _member(reply.permission)

    async def grant_owner(
        self, tenant_id: str, workspace_id: str, user_id: str, request_id: str
    ) -> Member:
        """Makes the user the owner of a new workspace, as the workspaces service itself."""
        request = pb.GrantRequest(
            subject=user_id, resource=resource(workspace_id), role="owner", request_id=request_id
        )
        reply = await self._as_service_call(tenant_id, self._stub.Grant, request)
        return _member(reply.permission)

    async def set_parent(self, tenant_id: str, base_id: str, workspace_id: str) -> None:
        """Puts the base inside the workspace (or, given "", in none), as this service."""
        parent = resource(workspace_id) if workspace_id else ""
        request = pb.SetResourceParentRequest(resource=f"base:{base_id}", parent=parent)
        await self._as_service_call(tenant_id, self._stub.SetResourceParent, request)

    async def may_admin_base(self, user_id: str, base_id: str) -> bool:
        """Whether the user administers the base already (through its workspace)."""
        request = pb.CheckRequest(subject=user_id, resource=f"base:{base_id}", action="admin")
        with answers_from(PERMISSIONS):
            return bool((await self._stub.Check(request)).allowed)

    async def _as_service_call(self, tenant_id: str, method: Any, request: Any) -> Any:
        await self.service_metadata(tenant_id)  # a token first: its failure is told apart
        with answers_from(PERMISSIONS):
            return await self._tokens.call(method, request, tenant_id)

    async def as_service(self, method: Any, request: Any, tenant_id: str, callee: str) -> Any:
        """Calls another service as this one in the tenant."""
        await self.service_metadata(tenant_id)
        with answers_from(callee):
            return await self._tokens.call(method, request, tenant_id)

    async def service_metadata(self, tenant_id: str) -> list[tuple[str, str]]:
        """Call metadata that makes a call go out as this service in the tenant."""
        try:
            return await self._tokens.metadata(tenant_id)
        except grpc.aio.AioRpcError as exc:
            raise Unavailable(
                "the workspaces service could not get its service token; try again",
                reason="SERVICE_TOKEN_UNAVAILABLE",
            ) from exc

    async def member(self, workspace_id: str, user_id: str) -> Member | None:
        request = pb.ListPermissionsRequest(subject=user_id, resource=resource(workspace_id))
        with answers_from(PERMISSIONS):
            found = (await self._stub.ListPermissions(request)).permissions
        return next((_member(p) for p in found if p.effect == "allow"), None)

    async def members(
        self, workspace_id: str, page_size: int, page_token: str
    ) -> tuple[list[Member], str]:
        request = pb.ListPermissionsRequest(
            resource=resource(workspace_id), page_size=page_size, page_token=page_token
        )
        with answers_from(PERMISSIONS):
            reply = await self._stub.ListPermissions(request)
        found = [_member(p) for p in reply.permissions if p.effect == "allow"]
        return found, reply.next_page_token

    async def revoke(self, permission_id: str) -> None:
        with answers_from(PERMISSIONS):
            await self._stub.Revoke(pb.RevokeRequest(permission_id=permission_id))

    async def revoke_all(self, workspace_id: str) -> None:
        request = pb.RevokeResourcePermissionsRequest(resource=resource(workspace_id))
        with answers_from(PERMISSIONS):
            await self._stub.RevokeResourcePermissions(request)

    async def workspace_ids_of(self, user_id: str) -> list[str]:
        """The workspaces the user holds a role on."""
        ids: list[str] = []
        token = ""
        while len(ids) < MAX_WORKSPACES_PER_USER:
            request = pb.ListPermissionsRequest(
                subject=user_id, resource_type="workspace", page_size=100, page_token=token
            )
            with answers_from(PERMISSIONS):
                reply = await self._stub.ListPermissions(request)
            ids.extend(
                p.resource.removeprefix("workspace:")
                for p in reply.permissions
                if p.effect == "allow"
            )
            token = reply.next_page_token
            if not token:
                break
        return ids
