"""The workspaces service's questions to the permissions service, over gRPC.

Members are role assignments the permissions service keeps on "workspace:<id>"; calls
carry the caller's own token (the mesh client propagates it), so permissions applies its
own rules as well.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import grpc
from tablemesh.permissions.v1 import permissions_service_pb2 as pb
from tablemesh.permissions.v1 import permissions_service_pb2_grpc as pb_grpc

from services.runtime.clients import MeshClients
from services.runtime.errors import (
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
)
from services.workspaces.model import Member, resource

# How many of a user's workspace roles ListWorkspaces considers.
MAX_WORKSPACES_PER_USER = 1000


# The permissions service's answers that mean the same thing to our own caller.
PASSED_ON: dict[grpc.StatusCode, type[DomainError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
}


@contextlib.contextmanager
def _answers() -> Iterator[None]:
    """Turns a failed permissions call into our own error: its refusals pass through, and
    anything else is UNAVAILABLE, which callers (the saga among them) may retry."""
    try:
        yield
    except grpc.aio.AioRpcError as exc:
        kind = PASSED_ON.get(exc.code())
        if kind is not None:
            raise kind(exc.details() or "refused by the permissions service") from exc
        raise Unavailable(
            "the permissions service could not answer; try again",
            reason="PERMISSIONS_UNAVAILABLE",
        ) from exc


def _member(p: pb.Permission) -> Member:
    return Member(
        user_id=p.subject,
        role=p.role,
        created_at=p.create_time.ToDatetime() if p.HasField("create_time") else None,
        updated_at=p.update_time.ToDatetime() if p.HasField("update_time") else None,
        permission_id=p.id,
    )


class Access:
    def __init__(self, clients: MeshClients) -> None:
        self._clients = clients

    @property
    def _stub(self) -> pb_grpc.PermissionsServiceStub:
        return self._clients.stub(pb_grpc.PermissionsServiceStub, "permissions")

    async def check(self, user_id: str, workspace_id: str, action: str) -> pb.CheckResponse:
        request = pb.CheckRequest(subject=user_id, resource=resource(workspace_id), action=action)
        with _answers():
            return await self._stub.Check(request)

    async def grant(self, workspace_id: str, user_id: str, role: str, request_id: str) -> Member:
        request = pb.GrantRequest(
            subject=user_id, resource=resource(workspace_id), role=role, request_id=request_id
        )
        with _answers():
            reply = await self._stub.Grant(request)
        return _member(reply.permission)

    async def member(self, workspace_id: str, user_id: str) -> Member | None:
        request = pb.ListPermissionsRequest(subject=user_id, resource=resource(workspace_id))
        with _answers():
            found = (await self._stub.ListPermissions(request)).permissions
        return next((_member(p) for p in found if p.effect == "allow"), None)

    async def members(
        self, workspace_id: str, page_size: int, page_token: str
    ) -> tuple[list[Member], str]:
        request = pb.ListPermissionsRequest(
            resource=resource(workspace_id), page_size=page_size, page_token=page_token
        )
        with _answers():
            reply = await self._stub.ListPermissions(request)
        found = [_member(p) for p in reply.permissions if p.effect == "allow"]
        return found, reply.next_page_token

    async def revoke(self, permission_id: str) -> None:
        with _answers():
            await self._stub.Revoke(pb.RevokeRequest(permission_id=permission_id))

    async def revoke_all(self, workspace_id: str) -> None:
        request = pb.RevokeResourcePermissionsRequest(resource=resource(workspace_id))
        with _answers():
            await self._stub.RevokeResourcePermissions(request)

    async def workspace_ids_of(self, user_id: str) -> list[str]:
        """The workspaces the user holds a role on."""
        ids: list[str] = []
        token = ""
        while len(ids) < MAX_WORKSPACES_PER_USER:
            request = pb.ListPermissionsRequest(
                subject=user_id, resource_type="workspace", page_size=100, page_token=token
            )
            with _answers():
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
