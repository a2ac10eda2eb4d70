"""PostgreSQL storage of files (schema "automation"): descriptions in `files`, bytes once
per tenant and content in `blobs` and their 256 KiB `blob_chunks`.

An upload writes its chunks as they arrive, inside one transaction that ends with the
blob and the file rows: a refused or broken upload rolls back and leaves nothing.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import fields, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from tablemesh.events.v1.events_pb2 import Event

from services.automation.files.model import StoredFile
from services.runtime import events, keyset
from services.runtime.clock import now
from services.runtime.errors import NotFound

CHUNK_BYTES = 256 * 1024
metadata = sa.MetaData(schema="automation")
UUID = postgresql.UUID(as_uuid=False)
blobs = sa.Table(
    "blobs",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("tenant_id", UUID),
    sa.Column("sha256", sa.Text),
    sa.Column("size_bytes", sa.BigInteger),
    sa.Column("chunk_count", sa.Integer),
    sa.Column("created_at", sa.DateTime(timezone=True)),
)
blob_chunks = sa.Table(
    "blob_chunks",
    metadata,
    sa.Column("blob_id", UUID, primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("data", sa.LargeBinary),
)
files = sa.Table(
    "files",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("tenant_id", UUID),
    sa.Column("blob_id", UUID),
    *(
        sa.Column(name, sa.Text)
        for name in ("name", "extension", "content_type", "sha256", "uploaded_by", "request_id")
    ),
    sa.Column("size_bytes", sa.BigInteger),
    sa.Column("created_at", sa.DateTime(timezone=True)),
)
# The service's event outbox (made by automation_0001, relayed to the bus by main.py): an
# upload announces itself in its own transaction.
outbox = events.outbox_table(metadata)
FIELDS = [f.name for f in fields(StoredFile)]
Key = list[Any] | None


class Replayed(Exception):
    """An upload with the request id of one already stored: it rolls back."""


def _file(row: Any) -> StoredFile:
    return StoredFile(**{name: getattr(row, name) for name in FIELDS})


class Upload:
    """One upload's transaction: bytes in as they come, the file row at the end."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._pending = bytearray()
        self.blob_id = str(uuid.uuid4())
        self.chunks_written = 0

    async def announce(self, event: Event) -> None:
        """Puts the event in the outbox: published if, and only if, the upload commits."""
        await events.emit(self._conn, outbox, event)

    async def write(self, data: bytes) -> None:
        self._pending += data
        while len(self._pending) >= CHUNK_BYTES:
            await self._store(bytes(self._pending[:CHUNK_BYTES]))
            del self._pending[:CHUNK_BYTES]

    async def _store(self, piece: bytes) -> None:
        insert = blob_chunks.insert().values(
            blob_id=self.blob_id, seq=self.chunks_written, data=piece
        )
        await self._conn.execute(insert)
        self.chunks_written += 1

    async def finish(self, file: StoredFile, request_id: str | None) -> StoredFile:
        """Stores the file on these bytes, or on the tenant's identical ones (and drops
        these). Raises Replayed when request_id was used before."""
        if self._pending:
            await self._store(bytes(self._pending))
            self._pending.clear()
        blob_id = await self._blob(file)
        stored = replace(file, blob_id=blob_id)
        insert = postgresql.insert(files).values(
            **{name: getattr(stored, name) for name in FIELDS}, request_id=request_id
        )
        if request_id:
            insert = insert.on_conflict_do_nothing(
                index_elements=["tenant_id", "request_id"],
                index_where=files.c.request_id.is_not(None),
            )
        if (await self._conn.execute(insert.returning(files.c.id))).first() is None:
            raise Replayed
        return stored

    async def _blob(self, file: StoredFile) -> str:
        """The id of the blob holding the tenant's bytes with this SHA-256: these, or the
        ones stored before (kept from deletion until this transaction ends)."""
        insert = (
            postgresql.insert(blobs)
            .values(
                id=self.blob_id,
                tenant_id=file.tenant_id,
                sha256=file.sha256,
                size_bytes=file.size_bytes,
                chunk_count=self.chunks_written,
                created_at=now(),
            )
            .on_conflict_do_nothing(index_elements=["tenant_id", "sha256"])
            .returning(blobs.c.id)
        )
        existing = (
            sa.select(blobs.c.id)
            .where(blobs.c.tenant_id == file.tenant_id, blobs.c.sha256 == file.sha256)
            .with_for_update(read=True)
        )
        for _ in range(3):
            if (await self._conn.execute(insert)).first() is not None:
                return self.blob_id
            # Locked against a concurrent delete of its last file; if that delete won,
            # the row is gone and these bytes are inserted after all.
            found = (await self._conn.execute(existing)).first()
            if found is not None:
                drop = blob_chunks.delete().where(blob_chunks.c.blob_id == self.blob_id)
                await self._conn.execute(drop)
                return str(found.id)
        raise RuntimeError("the blob kept changing under the upload")


class FileStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @contextlib.asynccontextmanager
    async def upload(self) -> AsyncIterator[Upload]:
        """A transaction for one upload: committed if the block ends normally."""
        async with self._engine.begin() as conn:
            yield Upload(conn)

    async def get(self, tenant_id: str, file_id: str) -> StoredFile | None:
        query = sa.select(files).where(files.c.tenant_id == tenant_id, files.c.id == file_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return _file(row) if row else None

    async def by_request(self, tenant_id: str, request_id: str) -> StoredFile | None:
        query = sa.select(files).where(
            files.c.tenant_id == tenant_id, files.c.request_id == request_id
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return _file(row) if row else None

    async def page(self, tenant_id: str, size: int, after: Key) -> tuple[list[StoredFile], Key]:
        """The tenant's files oldest first, and the last row's key when more follow."""
        query = sa.select(files).where(files.c.tenant_id == tenant_id)
        async with self._engine.connect() as conn:
            rows, last = await keyset.page(conn, query, files.c.created_at, files.c.id, size, after)
        return [_file(r) for r in rows], last

    async def delete(self, tenant_id: str, file_id: str) -> bool:
        """Deletes the file, and its bytes when no other file of the tenant holds them."""
        remove = (
            files.delete()
            .where(files.c.tenant_id == tenant_id, files.c.id == file_id)
            .returning(files.c.blob_id)
        )
        async with self._engine.begin() as conn:
            row = (await conn.execute(remove)).first()
            if row is None:
                return False
            blob_id = row.blob_id
            # Locked first, so an upload of the same bytes either sees its file counted
            # here or, after this commits, stores the bytes anew.
            lock = sa.select(blobs.c.id).where(blobs.c.id == blob_id).with_for_update()
            await conn.execute(lock)
            held = sa.select(files.c.id).where(files.c.blob_id == blob_id).limit(1)
            if (await conn.execute(held)).first() is None:
                await conn.execute(blob_chunks.delete().where(blob_chunks.c.blob_id == blob_id))
                await conn.execute(blobs.delete().where(blobs.c.id == blob_id))
        return True

    async def chunks(self, blob_id: str) -> AsyncIterator[bytes]:
        """The blob's bytes, a chunk at a time (one query each: no transaction is held
        open while a slow client reads)."""
        count_query = sa.select(blobs.c.chunk_count).where(blobs.c.id == blob_id)
        async with self._engine.connect() as conn:
            count = (await conn.execute(count_query)).scalar()
        if count is None:
            raise NotFound("the file was deleted", reason="FILE_NOT_FOUND")
        for seq in range(count):
            query = sa.select(blob_chunks.c.data).where(
                blob_chunks.c.blob_id == blob_id, blob_chunks.c.seq == seq
            )
            async with self._engine.connect() as conn:
                data = (await conn.execute(query)).scalar()
            if data is None:
                raise NotFound("the file was deleted while it was read", reason="FILE_NOT_FOUND")
            yield data

    async def chunk_count(self, blob_id: str) -> int:
        query = sa.select(sa.func.count()).where(blob_chunks.c.blob_id == blob_id)
        async with self._engine.connect() as conn:
            return int((await conn.execute(query)).scalar() or 0)
