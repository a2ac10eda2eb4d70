"""gRPC face of the permissions service: decode the request, call the domain, encode the reply."""

from __future__ import annotations

from tablemesh.permissions.v1 import permissions_service_pb2 as pb
from tablemesh.permissions.v1 import permissions_service_pb2_grpc as pb_grpc

from services.permissions.domain import Permissions
from services.permissions.model import Decision, Permission
from services.permissions.tree import ResourceTree
from services.runtime.identity import current_caller
from services.runtime.wire import Ctx, timestamp


def to_proto(p: Permission) -> pb.Permission:
    return pb.Permission(
        id=p.id,
        tenant_id=p.tenant_id,
        subject=p.subject,
        resource=p.resource,
        role=p.role,
        effect=p.effect,
        action=p.action,
        granted_by=p.granted_by,
        create_time=timestamp(p.created_at),
        update_time=timestamp(p.updated_at),
    )


def answer(d: Decision) -> pb.CheckResponse:
    return pb.CheckResponse(allowed=d.allowed, reason=d.reason, role=d.role)


class PermissionsServicer(pb_grpc.PermissionsServiceServicer):
    def __init__(self, permissions: Permissions, tree: ResourceTree) -> None:
        self.permissions = permissions
        self.tree = tree

    async def Check(self, request: pb.CheckRequest, context: Ctx) -> pb.CheckResponse:
        decision = await self.permissions.check(
            current_caller(), request.subject, request.resource, request.action
        )
        return answer(decision)

    async def BatchCheck(
        self, request: pb.BatchCheckRequest, context: Ctx
    ) -> pb.BatchCheckResponse:
        checks = [(c.subject, c.resource, c.action) for c in request.checks]
        decisions = await self.permissions.batch_check(current_caller(), checks)
        return pb.BatchCheckResponse(results=[answer(d) for d in decisions])

    async def ListPermissions(
        self, request: pb.ListPermissionsRequest, context: Ctx
    ) -> pb.ListPermissionsResponse:
        found, token = await self.permissions.list_page(
            current_caller(),
            page_size=request.page_size,
            page_token=request.page_token,
            subject=request.subject,
            resource=request.resource,
            resource_type=request.resource_type,
        )
        return pb.ListPermissionsResponse(
            permissions=[to_proto(p) for p in found], next_page_token=token
        )

    async def Grant(self, request: pb.GrantRequest, context: Ctx) -> pb.GrantResponse:
        entry = await self.permissions.grant(
            current_caller(),
            subject=request.subject,
            resource=request.resource,
            role=request.role,
            effect=request.effect,
            action=request.action,
            request_id=request.request_id,
        )
        return pb.GrantResponse(permission=to_proto(entry))

    async def Revoke(self, request: pb.RevokeRequest, context: Ctx) -> pb.RevokeResponse:
        await self.permissions.revoke(current_caller(), request.permission_id)
        return pb.RevokeResponse()

    async def RevokeResourcePermissions(
        self, request: pb.RevokeResourcePermissionsRequest, context: Ctx
    ) -> pb.RevokeResourcePermissionsResponse:
        count = await self.permissions.revoke_resource(current_caller(), request.resource)
        return pb.RevokeResourcePermissionsResponse(revoked_count=count)

    async def SetResourceParent(
        self, request: pb.SetResourceParentRequest, context: Ctx
    ) -> pb.SetResourceParentResponse:
        previous = await self.tree.set_parent(current_caller(), request.resource, request.parent)
        return pb.SetResourceParentResponse(previous_parent=previous)

    async def LookupResources(
        self, request: pb.LookupResourcesRequest, context: Ctx
    ) -> pb.LookupResourcesResponse:
        found, truncated = await self.tree.lookup(
            current_caller(), request.subject, request.resource_type, request.action
        )
        return pb.LookupResourcesResponse(resources=found, truncated=truncated)
