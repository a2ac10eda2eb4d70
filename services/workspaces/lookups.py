"""What the workspaces service asks other services before it stores a reference to their
data: whether a user exists in the caller's tenant (users) and whether a base does
(airtable).

The calls carry the caller's own token (the mesh client propagates it), so each service
answers within the caller's tenant: another tenant's user or base is not found, like an
unknown id. Any failure other than NOT_FOUND is UNAVAILABLE, which callers may retry.
"""

from __future__ import annotations

from tablemesh.airtable.v1 import airtable_service_pb2 as air_pb
from tablemesh.airtable.v1 import airtable_service_pb2_grpc as air_grpc
from tablemesh.users.v1 import users_service_pb2 as users_pb
from tablemesh.users.v1 import users_service_pb2_grpc as users_grpc

from services.runtime.clients import MeshClients
from services.runtime.errors import NotFound
from services.runtime.failures import answers_from


class Lookups:
    def __init__(self, clients: MeshClients) -> None:
        self._clients = clients

    async def require_user(self, user_id: str) -> None:
        """NOT_FOUND unless the user exists (and is not deleted) in the caller's tenant."""
        stub = self._clients.stub(users_grpc.UsersServiceStub, "users")
        missing = NotFound(f"user {user_id} not found", reason="USER_NOT_FOUND")
        with answers_from("users", passed_on={}, not_found=missing):
            await stub.GetUser(users_pb.GetUserRequest(user_id=user_id))

    async def require_base(self, base_id: str) -> None:
        """NOT_FOUND unless the base exists among the caller's tenant's bases."""
        # The airtable service has no call for one base alone; its schema is the cheapest
        # answer that names the base (and is cached there).
        stub = self._clients.stub(air_grpc.AirtableServiceStub, "airtable")
        missing = NotFound(f"base {base_id} not found", reason="BASE_NOT_FOUND")
        with answers_from("airtable", passed_on={}, not_found=missing):
            await stub.GetBaseSchema(air_pb.GetBaseSchemaRequest(base_id=base_id))
