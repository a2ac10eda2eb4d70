"""The users service as auth needs it: profiles to create, stamp and check.

Auth owns credentials, users owns profiles (and whether an admin deactivated or deleted
someone). Every call carries a service token auth signs itself for the user's tenant, so
auth never depends on a caller's token nor on calling its own IssueServiceToken.
The domain code depends on the `Profiles` protocol only; tests can hand it a fake.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import grpc
from tablemesh.users.v1 import users_service_pb2 as users_pb
from tablemesh.users.v1.users_service_pb2_grpc import UsersServiceStub

from services.auth.tokens import AccessTokens
from services.runtime.clients import MeshClients
from services.runtime.failures import downstream_error

SERVICE_NAME = "auth"


@dataclass(frozen=True)
class NewProfile:
    user_id: str
    tenant_id: str
    email: str
    first_name: str
    last_name: str
    role: str


@dataclass(frozen=True)
class ProfileStatus:
    """What users says about someone: gone (deleted), active or not, and their role now."""

    exists: bool
    active: bool = False
    role: str = ""


class Profiles(Protocol):
    async def create(self, profile: NewProfile) -> None: ...
    async def record_login(self, user_id: str, tenant_id: str) -> None: ...
    async def status(self, user_id: str, tenant_id: str) -> ProfileStatus: ...


class UsersProfiles:
    def __init__(self, clients: MeshClients, tokens: AccessTokens) -> None:
        self._clients = clients
        self._tokens = tokens

    async def _auth(self, tenant_id: str) -> tuple[tuple[str, str], ...]:
        """Call metadata with a service token; clients.py sends it instead of the caller's."""
        token = await self._tokens.service_token(SERVICE_NAME, tenant_id)
        return (("authorization", f"Bearer {token.token}"),)

    def _stub(self) -> UsersServiceStub:
        return self._clients.stub(UsersServiceStub, "users")

    async def create(self, profile: NewProfile) -> None:
        request = users_pb.CreateUserRequest(
            user=users_pb.User(
                id=profile.user_id,
                email=profile.email,
                first_name=profile.first_name,
                last_name=profile.last_name,
                role=profile.role,
            ),
            tenant_id=profile.tenant_id,
            # The user id makes the call idempotent: a retry returns the same profile.
            request_id=profile.user_id,
        )
        try:
            await self._stub().CreateUser(request, metadata=await self._auth(profile.tenant_id))
        except grpc.aio.AioRpcError as exc:
            raise downstream_error(exc, "users", passed_on={}) from exc

    async def record_login(self, user_id: str, tenant_id: str) -> None:
        request = users_pb.RecordLoginRequest(user_id=user_id)
        await self._stub().RecordLogin(request, metadata=await self._auth(tenant_id))

    async def status(self, user_id: str, tenant_id: str) -> ProfileStatus:
        request = users_pb.GetUserRequest(user_id=user_id)
        try:
            reply = await self._stub().GetUser(request, metadata=await self._auth(tenant_id))
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:  # users hides deleted profiles
                return ProfileStatus(exists=False)
            raise downstream_error(exc, "users", passed_on={}) from exc
        user = reply.user
        return ProfileStatus(
            exists=not user.HasField("delete_time"), active=user.is_active, role=user.role
        )
