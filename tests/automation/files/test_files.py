"""The files domain on real PostgreSQL: bytes stored in chunks as they stream, once per
tenant and content; tenants never see each other's files; a refused upload stores
nothing; deletes, pages, idempotent retries and processing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.automation.files.domain import Files
from services.automation.files.store import CHUNK_BYTES, FileStore
from services.runtime.errors import DomainError, InvalidArgument, NotFound, ResourceExhausted
from tests.automation.files import documents
from tests.automation.files.conftest import MAX_BYTES, caller


class Source:
    """An upload's body, in pieces, counting how much of it was read."""

    def __init__(self, data: bytes, piece: int = 100_000) -> None:
        self.data = data
        self.piece = piece
        self.read = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.data), self.piece):
            self.read += len(self.data[start : start + self.piece])
            yield self.data[start : start + self.piece]


async def count(engine: AsyncEngine, query: str, **params: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(sa.text(query), params)).scalar() or 0)


async def chunks_of(engine: AsyncEngine, tenant: str) -> int:
    return await count(
        engine,
        "SELECT count(*) FROM automation.blob_chunks c JOIN automation.blobs b"
        " ON b.id = c.blob_id WHERE b.tenant_id = :t",
        t=tenant,
    )


async def orphans(engine: AsyncEngine) -> int:
    """Chunks of no blob: what a refused upload would leave if it did not roll back."""
    return await count(
        engine,
        "SELECT count(*) FROM automation.blob_chunks c WHERE NOT EXISTS"
        " (SELECT 1 FROM automation.blobs b WHERE b.id = c.blob_id)",
    )


async def content(files: Files, who: object, file_id: str) -> bytes:
    _, chunks = await files.content(who, file_id)  # type: ignore[arg-type]
    return b"".join([c async for c in chunks])


async def test_bytes_are_stored_in_chunks_and_come_back_identical(
    files: Files, engine: AsyncEngine
) -> None:
    who = caller()
    data = "0123456789abcé\n".encode() * (4 * CHUNK_BYTES // 16) + b"!"  # 4 chunks and 1 byte
    assert len(data) == 4 * CHUNK_BYTES + 1
    stored = await files.upload(who, "data.txt", "", Source(data))
    assert stored.size_bytes == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.content_type == "text/plain; charset=utf-8"
    assert await chunks_of(engine, who.tenant_id) == 5
    assert await content(files, who, stored.id) == data


async def test_one_copy_of_the_same_bytes_per_tenant(files: Files, engine: AsyncEngine) -> None:
    ada, grace = caller(), caller()
    data = b"a,b\n" * 100_000  # 400 KB: two chunks
    first = await files.upload(ada, "one.csv", "", Source(data))
    second = await files.upload(ada, "two.csv", "", Source(data))
    other = await files.upload(grace, "one.csv", "", Source(data))
    assert first.id != second.id and first.blob_id == second.blob_id
    assert other.blob_id != first.blob_id
    assert await chunks_of(engine, ada.tenant_id) == 2
    assert await chunks_of(engine, grace.tenant_id) == 2
    assert await orphans(engine) == 0
    # Deleting one of ada's files keeps the bytes the other still holds; the last takes them.
    await files.delete(ada, first.id)
    assert await content(files, ada, second.id) == data
    await files.delete(ada, second.id)
    assert await chunks_of(engine, ada.tenant_id) == 0
    assert await content(files, grace, other.id) == data


async def test_another_tenants_file_is_not_found_whatever_is_asked(files: Files) -> None:
    ada, mallory = caller(), caller()
    stored = await files.upload(ada, "secret.txt", "", Source(b"payroll"))
    for attempt in (files.get, files.content, files.process):
        with pytest.raises(NotFound, match=f"file {stored.id} not found"):
            await attempt(mallory, stored.id)
    listed, _ = await files.list_page(mallory, 0, "")
    assert listed == []
    await files.delete(mallory, stored.id)  # succeeds, and deletes nothing of ada's
    assert (await files.get(ada, stored.id)).name == "secret.txt"


async def test_an_upload_over_the_limit_is_refused_while_it_streams(
    files: Files, engine: AsyncEngine
) -> None:
    who = caller()
    body = Source(b"x" * (50 * MAX_BYTES), piece=CHUNK_BYTES)
    with pytest.raises(ResourceExhausted, match="larger than the limit of 2 MiB"):
        await files.upload(who, "big.txt", "", body)
    # It stopped reading right after the limit, not at the end of the 100 MiB.
    assert body.read == MAX_BYTES + CHUNK_BYTES
    assert await chunks_of(engine, who.tenant_id) == 0
    assert await orphans(engine) == 0
    assert (await files.list_page(who, 0, ""))[0] == []


@pytest.mark.parametrize(
    ("name", "data", "error"),
    [
        ("late.txt", b"ok" * 300_000 + b"\x00", InvalidArgument),  # NUL in the 3rd chunk
        ("empty.txt", b"", InvalidArgument),
        ("tool.exe", b"MZ", InvalidArgument),
        ("../x.txt", b"hello", InvalidArgument),
        ("fake.pdf", b"hello", InvalidArgument),
        ("bomb.xlsx", documents.zip_bomb(documents.xlsx({"S": [["a"]]})), InvalidArgument),
    ],
)
async def test_a_refused_upload_stores_nothing(
    files: Files, engine: AsyncEngine, name: str, data: bytes, error: type[DomainError]
) -> None:
    who = caller()
    with pytest.raises(error):
        await files.upload(who, name, "", Source(data))
    assert await chunks_of(engine, who.tenant_id) == 0
    assert await orphans(engine) == 0
    assert (await files.list_page(who, 0, ""))[0] == []


async def test_a_retry_with_the_request_id_stores_nothing_new(files: Files) -> None:
    who = caller()
    first = await files.upload(who, "a.txt", "req-1", Source(b"first"))
    retry = Source(b"other bytes")
    again = await files.upload(who, "a.txt", "req-1", retry)
    assert again == first and retry.read == 0
    # The same key in another tenant is another upload.
    elsewhere = await files.upload(caller(), "a.txt", "req-1", Source(b"first"))
    assert elsewhere.id != first.id


async def test_files_are_listed_oldest_first_in_pages(files: Files) -> None:
    who = caller()
    ids = [(await files.upload(who, f"{i}.txt", "", Source(f"{i}".encode()))).id for i in range(3)]
    page, token = await files.list_page(who, 2, "")
    rest, last = await files.list_page(who, 2, token)
    assert [f.id for f in page + rest] == ids and token and last == ""
    with pytest.raises(InvalidArgument, match="page_size: must be at most 100"):
        await files.list_page(who, 101, "")


async def test_ids_must_be_uuids(files: Files) -> None:
    with pytest.raises(InvalidArgument, match="file_id: must be a UUID"):
        await files.get(caller(), "../etc/passwd")


async def test_processing_reads_the_stored_bytes(files: Files) -> None:
    who = caller()
    book = documents.xlsx({"Hours": [["Name", "Hours"], ["Atlas", 12]]})
    stored = await files.upload(who, "hours.xlsx", "", Source(book, piece=1000))
    found, collected = await files.process(who, stored.id)
    assert found.id == stored.id
    assert [(t.name, t.rows) for t in collected.tables] == [
        ("Hours", [["Name", "Hours"], ["Atlas", "12"]])
    ]


async def test_a_deleted_file_is_gone_and_deleting_again_succeeds(
    files: Files, store: FileStore
) -> None:
    who = caller()
    stored = await files.upload(who, "a.txt", "", Source(b"bye"))
    await files.delete(who, stored.id)
    await files.delete(who, stored.id)
    assert await store.get(who.tenant_id, stored.id) is None
    with pytest.raises(NotFound):
        await files.get(who, stored.id)


async def announced(engine: AsyncEngine, tenant: str) -> list[dict[str, object]]:
    """The file.uploaded events in the service's outbox for the tenant."""
    query = (
        "SELECT body FROM automation.event_outbox WHERE type = 'file.uploaded'"
        " AND body::jsonb ->> 'tenant_id' = :t ORDER BY created_at"
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.text(query), {"t": tenant})).all()
    return [json.loads(r.body)["file"] for r in rows]


async def test_an_upload_is_announced_with_it_and_a_refused_one_not_at_all(
    files: Files, engine: AsyncEngine
) -> None:
    who = caller()
    stored = await files.upload(who, "hours.csv", "r-1", Source(b"name,hours\n"))
    expected = {
        "file_id": stored.id,
        "name": "hours.csv",
        "extension": "csv",
        "content_type": "text/csv",
        "size_bytes": "11",
        "sha256": stored.sha256,
    }
    assert await announced(engine, who.tenant_id) == [expected]
    # A retry stores nothing new and announces nothing new; a refusal announces nothing.
    await files.upload(who, "hours.csv", "r-1", Source(b"name,hours\n"))
    with pytest.raises(InvalidArgument):
        await files.upload(who, "bad.txt", "", Source(b"\x00"))
    assert await announced(engine, who.tenant_id) == [expected]
