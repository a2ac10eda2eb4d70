"""gRPC face of the users service: decode the request, call the domain, encode the reply."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format
from tablemesh.users.v1 import users_service_pb2 as pb
from tablemesh.users.v1 import users_service_pb2_grpc as pb_grpc

from services.runtime.identity import current_caller
from services.runtime.wire import Ctx, timestamp
from services.users.domain import Users
from services.users.model import ADMIN_EDITABLE, SELF_EDITABLE, Profile


def to_proto(p: Profile) -> pb.User:
    user = pb.User(
        id=p.id,
        email=p.email,
        first_name=p.first_name,
        last_name=p.last_name,
        display_name=p.display_name,
        avatar_url=p.avatar_url,
        bio=p.bio,
        phone=p.phone,
        tenant_id=p.tenant_id,
        role=p.role,
        is_active=p.is_active,
        email_verified=p.email_verified,
        create_time=timestamp(p.created_at),
        update_time=timestamp(p.updated_at),
        delete_time=timestamp(p.deleted_at),
        last_login_time=timestamp(p.last_login_at),
    )
    user.preferences.update(p.preferences)
    return user


def from_proto(user: pb.User) -> dict[str, Any]:
    """The settable fields of a User message, preferences as a plain dict."""
    fields: dict[str, Any] = {
        name: getattr(user, name)
        for name in (*SELF_EDITABLE, *ADMIN_EDITABLE, "email", "id")
        if name != "preferences"
    }
    fields["preferences"] = (
        json_format.MessageToDict(user.preferences) if user.HasField("preferences") else None
    )
    return fields


class UsersServicer(pb_grpc.UsersServiceServicer):
    def __init__(self, users: Users) -> None:
        self.users = users

    async def GetMe(self, request: pb.GetMeRequest, context: Ctx) -> pb.GetMeResponse:
        caller = current_caller()
        return pb.GetMeResponse(user=to_proto(await self.users.get(caller, caller.user_id)))

    async def GetUser(self, request: pb.GetUserRequest, context: Ctx) -> pb.GetUserResponse:
        profile = await self.users.get(current_caller(), request.user_id)
        return pb.GetUserResponse(user=to_proto(profile))

    async def ListUsers(self, request: pb.ListUsersRequest, context: Ctx) -> pb.ListUsersResponse:
        found, total, token = await self.users.list_page(
            current_caller(),
            page_size=request.page_size,
            page_token=request.page_token,
            role=request.role,
            is_active=request.is_active if request.HasField("is_active") else None,
            search=request.search,
            order_by=request.order_by,
        )
        return pb.ListUsersResponse(
            users=[to_proto(p) for p in found], next_page_token=token, total_size=total
        )

    async def CreateUser(
        self, request: pb.CreateUserRequest, context: Ctx
    ) -> pb.CreateUserResponse:
        profile = await self.users.create(
            current_caller(), from_proto(request.user), request.tenant_id, request.request_id
        )
        return pb.CreateUserResponse(user=to_proto(profile))

    async def UpdateUser(
        self, request: pb.UpdateUserRequest, context: Ctx
    ) -> pb.UpdateUserResponse:
        fields = from_proto(request.user)
        mask = list(request.update_mask.paths)
        if not mask:
            # Without a mask only the fields given count; booleans cannot be told apart
            # from "not given", so role/is_active changes need an explicit mask or value.
            fields = {k: v for k, v in fields.items() if k not in ("is_active", "email_verified")}
        fields.pop("id")
        profile = await self.users.update(current_caller(), request.user.id, fields, mask)
        return pb.UpdateUserResponse(user=to_proto(profile))

    async def DeleteUser(
        self, request: pb.DeleteUserRequest, context: Ctx
    ) -> pb.DeleteUserResponse:
        profile = await self.users.delete(current_caller(), request.user_id)
        return pb.DeleteUserResponse(user=to_proto(profile))

    async def PurgeUser(self, request: pb.PurgeUserRequest, context: Ctx) -> pb.PurgeUserResponse:
        await self.users.purge(current_caller(), request.user_id)
        return pb.PurgeUserResponse()

    async def RecordLogin(
        self, request: pb.RecordLoginRequest, context: Ctx
    ) -> pb.RecordLoginResponse:
        await self.users.record_login(current_caller(), request.user_id)
        return pb.RecordLoginResponse()

    async def BatchGetUsers(
        self, request: pb.BatchGetUsersRequest, context: Ctx
    ) -> pb.BatchGetUsersResponse:
        found = await self.users.batch_get(current_caller(), list(request.user_ids))
        return pb.BatchGetUsersResponse(users=[to_proto(p) for p in found])

    async def GetUserStats(
        self, request: pb.GetUserStatsRequest, context: Ctx
    ) -> pb.GetUserStatsResponse:
        stats = await self.users.stats(current_caller())
        return pb.GetUserStatsResponse(
            total=stats.total,
            active=stats.active,
            by_role=stats.by_role,
            recent_signups=stats.recent_signups,
        )
