"""What the service does with files, as plain Python: upload, read, list, delete, process.

Tenant rule: every read and write is scoped to the caller's tenant; another tenant's file
is reported as not found, like an id that does not exist.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import AsyncIterable, AsyncIterator

from tablemesh.events.v1.events_pb2 import Event, FileUploaded

from services.automation.files.content_check import ContentCheck
from services.automation.files.extract import extract
from services.automation.files.extract.collected import Collected
from services.automation.files.kinds import KINDS
from services.automation.files.model import MAX_REQUEST_ID, StoredFile
from services.automation.files.names import check_name
from services.automation.files.store import FileStore, Replayed
from services.runtime import events, pagination
from services.runtime.clock import now
from services.runtime.errors import NotFound, Violations
from services.runtime.identity import Caller
from services.runtime.validation import check_uuid

# A file being processed is spooled here: in memory up to this size, on a temporary file
# beyond it (scratch space for the parser, gone when it is done).
SPOOL_MEMORY_BYTES = 1024 * 1024


def uploaded(file: StoredFile) -> Event:
    """file.uploaded, for the workflows whose file-upload trigger the file matches."""
    return events.new_event(
        "file.uploaded",
        file.tenant_id,
        "automation",
        file=FileUploaded(
            file_id=file.id,
            name=file.name,
            extension=file.extension,
            # The media type alone ("text/csv"), as triggers name it.
            content_type=file.content_type.split(";")[0],
            size_bytes=file.size_bytes,
            sha256=file.sha256,
        ),
    )


def _not_found(file_id: str) -> NotFound:
    return NotFound(f"file {file_id} not found", reason="FILE_NOT_FOUND")


class Files:
    def __init__(self, store: FileStore, allowed: list[str], max_bytes: int) -> None:
        self.store = store
        self.allowed = allowed
        self.max_bytes = max_bytes

    async def upload(
        self, caller: Caller, name: str, request_id: str, chunks: AsyncIterable[bytes]
    ) -> StoredFile:
        """Stores the streamed bytes under `name`; refused, with nothing stored, when the
        name or the bytes are not acceptable (as soon as they are seen not to be)."""
        v = Violations()
        kind = check_name(v, "name", name, self.allowed)
        if len(request_id) > MAX_REQUEST_ID:
            v.add("request_id", f"must be at most {MAX_REQUEST_ID} characters")
        v.raise_if_any()
        assert kind is not None
        if request_id and (seen := await self.store.by_request(caller.tenant_id, request_id)):
            return seen
        check = ContentCheck(kind, self.max_bytes)
        try:
            async with self.store.upload() as upload:
                async for data in chunks:
                    check.feed(data)
                    await upload.write(data)
                check.finish()
                stored = await upload.finish(
                    StoredFile(
                        id=str(uuid.uuid4()),
                        tenant_id=caller.tenant_id,
                        name=name,
                        extension=kind.extension,
                        content_type=kind.content_type,
                        size_bytes=check.size,
                        sha256=check.sha256,
                        uploaded_by=caller.user_id or caller.role,
                        created_at=now(),
                        blob_id="",
                    ),
                    request_id or None,
                )
                await upload.announce(uploaded(stored))
                return stored
        except Replayed:
            # A retry raced the first upload with the same request id: that one stands.
            first = await self.store.by_request(caller.tenant_id, request_id)
            assert first is not None
            return first

    async def get(self, caller: Caller, file_id: str) -> StoredFile:
        v = Violations()
        file_id = check_uuid(v, "file_id", file_id)
        v.raise_if_any()
        found = await self.store.get(caller.tenant_id, file_id)
        if found is None:
            raise _not_found(file_id)
        return found

    async def list_page(
        self, caller: Caller, requested_size: int, page_token: str
    ) -> tuple[list[StoredFile], str]:
        size = pagination.page_size(requested_size)
        fp = pagination.fingerprint(kind="files")
        after = pagination.decode_token(page_token, fp)
        found, last = await self.store.page(caller.tenant_id, size, after)
        return found, pagination.encode_token(last, fp) if last else ""

    async def delete(self, caller: Caller, file_id: str) -> None:
        """Safe to repeat: a file already deleted, or unknown in the tenant, is done."""
        v = Violations()
        file_id = check_uuid(v, "file_id", file_id)
        v.raise_if_any()
        await self.store.delete(caller.tenant_id, file_id)

    async def content(
        self, caller: Caller, file_id: str
    ) -> tuple[StoredFile, AsyncIterator[bytes]]:
        """The file and its bytes, a chunk at a time."""
        found = await self.get(caller, file_id)
        return found, self.store.chunks(found.blob_id)

    async def process(self, caller: Caller, file_id: str) -> tuple[StoredFile, Collected]:
        """The text and rows read from the file. The bytes are spooled for the parser,
        which runs in a thread: the service keeps answering other calls meanwhile."""
        found = await self.get(caller, file_id)
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES) as spool:
            async for data in self.store.chunks(found.blob_id):
                spool.write(data)
            spool.seek(0)
            kind = KINDS[found.extension]
            collected = await asyncio.to_thread(extract, kind, spool, found.name)  # type: ignore[arg-type]
        return found, collected
