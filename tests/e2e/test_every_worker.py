"""Every worker of a service answers from in-process copies (runtime/tracked_cache), and
each sees a change at once: a logged-out token and an updated profile, on the very next
call on each of many connections straight to the users service (spread over its workers by
the kernel), with no wait in between."""

from __future__ import annotations

import time
from collections.abc import Iterator

import grpc
import pytest
from tablemesh.users.v1 import users_service_pb2 as pb
from tablemesh.users.v1 import users_service_pb2_grpc as pb_grpc

from tests.e2e.mesh import Mesh, bearer

# Connections to the users port: each lands on one of the 2 workers, so with 16 of them
# every worker gets some (all on one: a chance of 2 in 65,536).
CONNECTIONS = 16
# How soon after the change the last connection must see it.
BOUND_SECONDS = 0.1


@pytest.fixture()
def stubs(mesh: Mesh) -> Iterator[list[pb_grpc.UsersServiceStub]]:
    # Distinct channel args: grpc would otherwise share one subchannel (one connection).
    channels = [
        grpc.insecure_channel(f"127.0.0.1:{mesh.port('users')}", options=[("tablemesh.n", n)])
        for n in range(CONNECTIONS)
    ]
    yield [pb_grpc.UsersServiceStub(c) for c in channels]
    for channel in channels:
        channel.close()


def get(stub: pb_grpc.UsersServiceStub, token: str, user_id: str) -> pb.GetUserResponse:
    metadata = (("authorization", f"Bearer {token}"),)
    return stub.GetUser(pb.GetUserRequest(user_id=user_id), metadata=metadata, timeout=10)


def test_a_logout_ends_the_token_on_every_worker_at_once(
    mesh: Mesh, stubs: list[pb_grpc.UsersServiceStub]
) -> None:
    person = mesh.register()
    token, user_id = person["access_token"], person["principal"]["user_id"]
    for stub in stubs:  # every worker now holds the token's revocation facts
        assert get(stub, token, user_id).user.id == user_id
        assert get(stub, token, user_id).user.id == user_id
    out = mesh.http.post("/api/v1/auth/logout", json={}, headers=bearer(token))
    assert out.status_code == 200, out.text
    done = time.monotonic()
    for stub in stubs:
        with pytest.raises(grpc.RpcError) as refused:
            get(stub, token, user_id)
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        assert "revoked" in (refused.value.details() or "")
    assert time.monotonic() - done < BOUND_SECONDS * CONNECTIONS


def test_a_profile_update_is_read_back_by_every_worker(
    mesh: Mesh, stubs: list[pb_grpc.UsersServiceStub]
) -> None:
    person = mesh.register()
    token, user_id = person["access_token"], person["principal"]["user_id"]
    for stub in stubs:
        assert get(stub, token, user_id).user.first_name == "Ada"
    for name in ("Grace", "Edsger", "Barbara"):
        changed = mesh.http.patch(
            f"/api/v1/users/{user_id}",
            json={"first_name": name},
            headers=bearer(token),
        )
        assert changed.status_code == 200, changed.text
        seen = [get(stub, token, user_id).user.first_name for stub in stubs]
        assert seen == [name] * CONNECTIONS
