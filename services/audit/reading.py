"""Reads of the log that the service and `tablemesh audit verify` share."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from services.audit.signing import TreeHead
from services.audit.store import entries, log_head, tree_heads

H = tree_heads.c


def _head(row: Any) -> TreeHead:
    return TreeHead(
        row.tree_size,
        bytes(row.root_hash),
        row.signed_at,
        bytes(row.signature),
        bytes(row.public_key),
    )


async def latest_head(conn: AsyncConnection) -> TreeHead | None:
    row = (await conn.execute(sa.select(tree_heads).order_by(H.tree_size.desc()).limit(1))).first()
    return _head(row) if row else None


async def all_heads(conn: AsyncConnection) -> list[TreeHead]:
    return [_head(r) for r in await conn.execute(sa.select(tree_heads).order_by(H.tree_size))]


async def leaf_hashes(conn: AsyncConnection, size: int) -> list[bytes]:
    query = sa.select(entries.c.leaf_hash).where(entries.c.seq < size).order_by(entries.c.seq)
    return [bytes(h) for h in (await conn.execute(query)).scalars()]


async def all_entries(conn: AsyncConnection) -> list[Any]:
    return list(await conn.execute(sa.select(entries).order_by(entries.c.seq)))


async def head_row(conn: AsyncConnection) -> Any:
    return (await conn.execute(sa.select(log_head).where(log_head.c.id == 1))).one()
