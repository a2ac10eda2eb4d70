"""Whose figures a caller may see: an admin (or a mesh service) the whole tenant or any of
its users, anyone else only themselves.

A member naming another user is refused (PERMISSION_DENIED) whether or not that user
exists, so the answer tells nothing about other tenants. An admin naming a user is asked
about to the users service with the admin's own token: a user of another tenant is NOT_FOUND,
exactly like an id nobody has.
"""

from __future__ import annotations

from tablemesh.users.v1 import users_service_pb2 as users_pb
from tablemesh.users.v1 import users_service_pb2_grpc as users_grpc

from services.runtime.clients import MeshClients
from services.runtime.errors import NotFound, PermissionDenied
from services.runtime.failures import answers_from
from services.runtime.identity import Caller


class Scope:
    def __init__(self, clients: MeshClients) -> None:
        self._clients = clients

    async def whose(self, caller: Caller, user_id: str) -> str | None:
        """The user whose figures to read, or None for the whole tenant."""
        sees_tenant = caller.is_admin or caller.is_service
        if not user_id:
            return None if sees_tenant else caller.user_id
        if user_id == caller.user_id:
            return user_id
        if not sees_tenant:
            raise PermissionDenied(
                "you may see only your own figures; an admin sees the tenant's",
                reason="OWN_FIGURES_ONLY",
            )
        await self._require_user(user_id)
        return user_id

    async def _require_user(self, user_id: str) -> None:
        stub = self._clients.stub(users_grpc.UsersServiceStub, "users")
        missing = NotFound(f"user {user_id} not found", reason="USER_NOT_FOUND")
        with answers_from("users", passed_on={}, not_found=missing):
            await stub.GetUser(users_pb.GetUserRequest(user_id=user_id))
