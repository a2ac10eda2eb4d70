"""gRPC face of the workspaces service: decode the request, call the domain, encode the reply."""

from __future__ import annotations

from tablemesh.workspaces.v1 import workspaces_service_pb2 as pb
from tablemesh.workspaces.v1 import workspaces_service_pb2_grpc as pb_grpc

from services.runtime.identity import current_caller
from services.runtime.wire import Ctx, timestamp
from services.workspaces.domain import Workspaces
from services.workspaces.members import Bases, Members
from services.workspaces.model import LinkedBase, Member, Workspace


def workspace_proto(w: Workspace) -> pb.Workspace:
    return pb.Workspace(
        id=w.id,
        tenant_id=w.tenant_id,
        name=w.name,
        description=w.description,
        owner_user_id=w.owner_user_id,
        create_time=timestamp(w.created_at),
        update_time=timestamp(w.updated_at),
    )


def member_proto(m: Member) -> pb.Member:
    return pb.Member(
        user_id=m.user_id,
        role=m.role,
        create_time=timestamp(m.created_at),
        update_time=timestamp(m.updated_at),
    )


def base_proto(b: LinkedBase) -> pb.LinkedBase:
    return pb.LinkedBase(
        base_id=b.base_id, linked_by=b.linked_by, create_time=timestamp(b.created_at)
    )


class WorkspacesServicer(pb_grpc.WorkspacesServiceServicer):
    def __init__(self, workspaces: Workspaces, members: Members, bases: Bases) -> None:
        self.workspaces = workspaces
        self.members = members
        self.bases = bases

    async def CreateWorkspace(
        self, request: pb.CreateWorkspaceRequest, context: Ctx
    ) -> pb.CreateWorkspaceResponse:
        w = request.workspace
        fields = {
            "id": w.id,
            "name": w.name,
            "description": w.description,
            "owner_user_id": w.owner_user_id,
        }
        created = await self.workspaces.create(current_caller(), fields, request.request_id)
        return pb.CreateWorkspaceResponse(workspace=workspace_proto(created))

    async def GetWorkspace(
        self, request: pb.GetWorkspaceRequest, context: Ctx
    ) -> pb.GetWorkspaceResponse:
        found = await self.workspaces.get(current_caller(), request.workspace_id)
        return pb.GetWorkspaceResponse(workspace=workspace_proto(found))

    async def ListWorkspaces(
        self, request: pb.ListWorkspacesRequest, context: Ctx
    ) -> pb.ListWorkspacesResponse:
        found, token = await self.workspaces.list_page(
            current_caller(), request.page_size, request.page_token
        )
        return pb.ListWorkspacesResponse(
            workspaces=[workspace_proto(w) for w in found], next_page_token=token
        )

    async def UpdateWorkspace(
        self, request: pb.UpdateWorkspaceRequest, context: Ctx
    ) -> pb.UpdateWorkspaceResponse:
        w = request.workspace
        fields = {"name": w.name, "description": w.description}
        changed = await self.workspaces.update(
            current_caller(), w.id, fields, list(request.update_mask.paths)
        )
        return pb.UpdateWorkspaceResponse(workspace=workspace_proto(changed))

    async def DeleteWorkspace(
        self, request: pb.DeleteWorkspaceRequest, context: Ctx
    ) -> pb.DeleteWorkspaceResponse:
        await self.workspaces.delete(current_caller(), request.workspace_id)
        return pb.DeleteWorkspaceResponse()

    async def AddMember(self, request: pb.AddMemberRequest, context: Ctx) -> pb.AddMemberResponse:
        member = await self.members.add(
            current_caller(),
            request.workspace_id,
            request.user_id,
            request.role,
            request.request_id,
        )
        return pb.AddMemberResponse(member=member_proto(member))

    async def ListMembers(
        self, request: pb.ListMembersRequest, context: Ctx
    ) -> pb.ListMembersResponse:
        found, token = await self.members.list_page(
            current_caller(), request.workspace_id, request.page_size, request.page_token
        )
        return pb.ListMembersResponse(
            members=[member_proto(m) for m in found], next_page_token=token
        )

    async def UpdateMemberRole(
        self, request: pb.UpdateMemberRoleRequest, context: Ctx
    ) -> pb.UpdateMemberRoleResponse:
        member = await self.members.update_role(
            current_caller(), request.workspace_id, request.user_id, request.role
        )
        return pb.UpdateMemberRoleResponse(member=member_proto(member))

    async def RemoveMember(
        self, request: pb.RemoveMemberRequest, context: Ctx
    ) -> pb.RemoveMemberResponse:
        await self.members.remove(current_caller(), request.workspace_id, request.user_id)
        return pb.RemoveMemberResponse()

    async def LinkBase(self, request: pb.LinkBaseRequest, context: Ctx) -> pb.LinkBaseResponse:
        link = await self.bases.link(current_caller(), request.workspace_id, request.base_id)
        return pb.LinkBaseResponse(linked_base=base_proto(link))

    async def UnlinkBase(
        self, request: pb.UnlinkBaseRequest, context: Ctx
    ) -> pb.UnlinkBaseResponse:
        await self.bases.unlink(current_caller(), request.workspace_id, request.base_id)
        return pb.UnlinkBaseResponse()

    async def ListLinkedBases(
        self, request: pb.ListLinkedBasesRequest, context: Ctx
    ) -> pb.ListLinkedBasesResponse:
        found, token = await self.bases.list_page(
            current_caller(), request.workspace_id, request.page_size, request.page_token
        )
        return pb.ListLinkedBasesResponse(
            linked_bases=[base_proto(b) for b in found], next_page_token=token
        )
