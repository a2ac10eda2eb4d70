"""A users service whose GetUser takes a while, run by the runtime's real `serve()`, so the
drain test can have calls in flight when SIGTERM arrives."""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

import grpc
from tablemesh.users.v1 import users_service_pb2 as pb
from tablemesh.users.v1 import users_service_pb2_grpc as pb_grpc

from services.runtime.server import Deps, run


class SlowUsers(pb_grpc.UsersServiceServicer):
    async def GetUser(
        self, request: pb.GetUserRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetUserResponse:
        await asyncio.sleep(1.5)
        return pb.GetUserResponse(user=pb.User(id=request.user_id))


def register(server: grpc.aio.Server, deps: Deps) -> None:
    # The test hands over the public key set of the key it signs tokens with.
    jwks = json.loads(os.environ["SLOW_USERS_JWKS"])

    async def source() -> dict[str, Any]:
        return dict(jwks)

    deps.verifier.use_source(source)
    pb_grpc.add_UsersServiceServicer_to_server(SlowUsers(), server)


if __name__ == "__main__":
    run("users", register)
