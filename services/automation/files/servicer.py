"""gRPC face of the automation service: decode the request, call the domain, encode the
reply."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from google.api import httpbody_pb2
from tablemesh.automation.v1 import files_service_pb2 as pb
from tablemesh.automation.v1 import files_service_pb2_grpc as pb_grpc

from services.automation.files.domain import Files
from services.automation.files.extract.collected import Collected
from services.automation.files.model import StoredFile
from services.runtime.identity import current_caller
from services.runtime.wire import Ctx, timestamp


def file_proto(f: StoredFile) -> pb.File:
    return pb.File(
        id=f.id,
        name=f.name,
        content_type=f.content_type,
        size_bytes=f.size_bytes,
        sha256=f.sha256,
        uploaded_by=f.uploaded_by,
        create_time=timestamp(f.created_at),
    )


def content_disposition(name: str) -> str:
    """`attachment` with the name: plain for old clients, UTF-8 (RFC 6266) for the rest.
    gRPC metadata is ASCII, so the name is always percent-encoded in filename*."""
    plain = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


def processed_proto(f: StoredFile, found: Collected) -> pb.ProcessFileResponse:
    return pb.ProcessFileResponse(
        file=file_proto(f),
        text=found.text,
        tables=[
            pb.Table(name=t.name, rows=[pb.Row(cells=r) for r in t.rows], row_count=t.row_count)
            for t in found.tables
        ],
        text_truncated=found.text_truncated,
        rows_truncated=found.rows_truncated,
    )


async def _bytes_of(first: pb.UploadFileRequest, rest: AsyncIterator[Any]) -> AsyncIterator[bytes]:
    yield first.content.data
    async for message in rest:
        yield message.content.data


class FilesServicer(pb_grpc.FilesServiceServicer):
    def __init__(self, files: Files) -> None:
        self.files = files

    async def UploadFile(  # type: ignore[override]
        self, request_iterator: AsyncIterator[pb.UploadFileRequest], context: Ctx
    ) -> pb.UploadFileResponse:
        messages = aiter(request_iterator)
        # The transcoder always sends a first message, an empty body included.
        first = await anext(messages, pb.UploadFileRequest())
        stored = await self.files.upload(
            current_caller(), first.name, first.request_id, _bytes_of(first, messages)
        )
        return pb.UploadFileResponse(file=file_proto(stored))

    async def GetFile(self, request: pb.GetFileRequest, context: Ctx) -> pb.GetFileResponse:
        found = await self.files.get(current_caller(), request.file_id)
        return pb.GetFileResponse(file=file_proto(found))

    async def ListFiles(self, request: pb.ListFilesRequest, context: Ctx) -> pb.ListFilesResponse:
        found, token = await self.files.list_page(
            current_caller(), request.page_size, request.page_token
        )
        return pb.ListFilesResponse(files=[file_proto(f) for f in found], next_page_token=token)

    async def DeleteFile(
        self, request: pb.DeleteFileRequest, context: Ctx
    ) -> pb.DeleteFileResponse:
        await self.files.delete(current_caller(), request.file_id)
        return pb.DeleteFileResponse()

    async def GetFileContent(  # type: ignore[override]
        self, request: pb.GetFileContentRequest, context: Ctx
    ) -> AsyncIterator[httpbody_pb2.HttpBody]:
        found, chunks = await self.files.content(current_caller(), request.file_id)
        await context.send_initial_metadata(
            (
                ("content-disposition", content_disposition(found.name)),
                ("x-content-type-options", "nosniff"),
            )
        )
        async for data in chunks:
            yield httpbody_pb2.HttpBody(content_type=found.content_type, data=data)

    async def ProcessFile(
        self, request: pb.ProcessFileRequest, context: Ctx
    ) -> pb.ProcessFileResponse:
        found, collected = await self.files.process(current_caller(), request.file_id)
        return processed_proto(found, collected)
