"""For tests of the event bus and its subscribers: a scratch schema holding a producing
service's outbox, and a stream of a test's own (the tests share one Redis)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine


@contextlib.asynccontextmanager
async def scratch_schema(engine: AsyncEngine, metadata: sa.MetaData) -> AsyncIterator[None]:
    """The metadata's schema and tables, created for the block and dropped after it."""
    async with engine.begin() as conn:
        await conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {metadata.schema}"))
        await conn.run_sync(metadata.create_all)
    try:
        yield
    finally:
        async with engine.begin() as conn:
            await conn.execute(sa.text(f"DROP SCHEMA {metadata.schema} CASCADE"))


def fresh_stream() -> str:
    return f"test:events:{uuid.uuid4().hex}"
