"""The automation service over gRPC on its own port, in this process with auth and users:
a client stream is refused before any of it is read when the token is missing, and each
of its messages passes the mesh's request checks as it arrives."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import grpc
import pytest
from tablemesh.auth.v1 import auth_service_pb2 as auth_pb
from tablemesh.auth.v1.auth_service_pb2_grpc import AuthServiceStub
from tablemesh.automation.v1 import files_service_pb2 as pb
from tablemesh.automation.v1.files_service_pb2_grpc import FilesServiceStub

from services.auth import main as auth_main
from services.automation import main as automation_main
from services.runtime import registry
from services.users import main as users_main
from tests.inprocess import running_services
from tests.ports import offset


@pytest.fixture(scope="module")
async def stubs(database_url: str, redis_url: str) -> AsyncIterator[tuple[object, str]]:
    env = {
        "TABLEMESH_PORT_OFFSET": str(offset("automation")),
        "TABLEMESH_ARGON2_MEMORY_KIB": "64",
        "TABLEMESH_ARGON2_TIME_COST": "1",
        "TABLEMESH_FILES_MAX_BYTES": "1048576",
    }
    services = (
        ("auth", auth_main.register),
        ("users", users_main.register),
        ("automation", automation_main.register),
    )
    async with running_services(services, database_url, redis_url, env):
        auth = grpc.aio.insecure_channel(registry.spec("auth").address)
        files = grpc.aio.insecure_channel(registry.spec("automation").address)
        registered = await AuthServiceStub(auth).Register(
            auth_pb.RegisterRequest(
                email=f"f{uuid.uuid4().hex[:10]}@example.com",
                password="correct horse 1",
                first_name="Ada",
                last_name="Lovelace",
            )
        )
        try:
            yield FilesServiceStub(files), registered.access_token
        finally:
            await auth.close(None)
            await files.close(None)


async def body(*messages: pb.UploadFileRequest) -> AsyncIterator[pb.UploadFileRequest]:
    for message in messages:
        yield message


def chunk(data: bytes) -> pb.UploadFileRequest:
    return pb.UploadFileRequest(content={"data": data})


async def test_an_upload_without_a_token_is_refused(stubs: tuple[object, str]) -> None:
    stub, _ = stubs
    assert isinstance(stub, FilesServiceStub)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.UploadFile(body(pb.UploadFileRequest(name="a.txt"), chunk(b"hello")))
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert raised.value.details() == "an access token is required"


async def test_every_message_of_an_upload_is_checked(stubs: tuple[object, str]) -> None:
    stub, token = stubs
    assert isinstance(stub, FilesServiceStub)
    metadata = (("authorization", f"Bearer {token}"),)
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.UploadFile(
            body(pb.UploadFileRequest(name="a\x00.txt"), chunk(b"hello")), metadata=metadata
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert raised.value.details() == "name: must not contain NUL (\\u0000) characters"
    # A later message is checked as it arrives too (a content type with a NUL).
    late = pb.UploadFileRequest(content={"data": b"b", "content_type": "x\x00"})
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.UploadFile(
            body(pb.UploadFileRequest(name="b.txt"), chunk(b"a"), late), metadata=metadata
        )
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "content.content_type" in (raised.value.details() or "")


async def test_upload_and_read_back_on_the_service_port(stubs: tuple[object, str]) -> None:
    stub, token = stubs
    assert isinstance(stub, FilesServiceStub)
    metadata = (("authorization", f"Bearer {token}"),)
    data = b"a,b\n" * 50_000
    done = await stub.UploadFile(
        body(pb.UploadFileRequest(name="ab.csv"), chunk(data[:100_000]), chunk(data[100_000:])),
        metadata=metadata,
    )
    assert done.file.size_bytes == len(data)
    parts = [
        part
        async for part in stub.GetFileContent(
            pb.GetFileContentRequest(file_id=done.file.id), metadata=metadata
        )
    ]
    assert b"".join(p.data for p in parts) == data
    assert {p.content_type for p in parts} == {"text/csv; charset=utf-8"}
    too_big = [chunk(b"x" * 600_000), chunk(b"x" * 600_000)]
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.UploadFile(
            body(pb.UploadFileRequest(name="big.txt"), *too_big), metadata=metadata
        )
    assert raised.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert raised.value.details() == "the file is larger than the limit of 1 MiB"
