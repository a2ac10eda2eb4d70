"""What a tenant's admins read: entries (filtered, paged, exported), the signed head, and
proofs. Members and viewers are refused; another tenant's entry is NOT_FOUND.

Proofs are computed from the stored leaf hashes of the tree's first `size` entries (one
indexed read of 32 bytes per entry), which is simple and fast enough for logs of some
millions of entries; a larger log would keep interior nodes too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.audit import merkle
from services.audit.filters import Filters, checked
from services.audit.reading import latest_head, leaf_hashes
from services.audit.signing import TreeHead
from services.audit.store import entries
from services.runtime import keyset, pagination
from services.runtime.errors import FailedPrecondition, NotFound, PermissionDenied, invalid
from services.runtime.identity import Caller

E = entries.c
EXPORT_BATCH = 500


def admin_only(caller: Caller) -> None:
    if not caller.is_admin:
        raise PermissionDenied(
            "only the tenant's admins may read its audit log", reason="ADMIN_REQUIRED"
        )


@dataclass(frozen=True)
class Proof:
    leaf_index: int
    tree_size: int
    leaf_hash: bytes
    hashes: list[bytes]
    root: bytes
    other_root: bytes = b""


class AuditQueries:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def list_page(
        self, caller: Caller, filters: Filters, size: int, token: str
    ) -> tuple[list[Any], str]:
        admin_only(caller)
        filters = checked(filters)
        size = pagination.page_size(size)
        fp = pagination.fingerprint(kind="audit", **filters.fingerprint())
        after = pagination.decode_token(token, fp)
        if after is not None and not (len(after) == 2 and isinstance(after[1], int)):
            raise invalid("page_token", "is not a token this service issued")
        query = sa.select(entries).where(*filters.where(caller.tenant_id))
        async with self._engine.connect() as conn:
            rows, last = await keyset.page(
                conn, query, E.time, E.seq, size, after, newest_first=True
            )
        return rows, pagination.encode_token(last, fp) if last else ""

    async def export(self, caller: Caller, filters: Filters) -> AsyncIterator[Any]:
        """Every selected entry, oldest first, read in batches."""
        admin_only(caller)
        filters = checked(filters)
        after = -1
        while True:
            query = (
                sa.select(entries)
                .where(*filters.where(caller.tenant_id), E.seq > after)
                .order_by(E.seq)
                .limit(EXPORT_BATCH)
            )
            async with self._engine.connect() as conn:
                rows = (await conn.execute(query)).all()
            for row in rows:
                yield row
            if len(rows) < EXPORT_BATCH:
                return
            after = rows[-1].seq

    async def signed_head(self, caller: Caller) -> TreeHead | None:
        admin_only(caller)
        async with self._engine.connect() as conn:
            return await latest_head(conn)

    async def _signed_size(self, requested: int, field: str) -> int:
        if requested < 0:
            raise invalid(field, "must not be negative")
        async with self._engine.connect() as conn:
            head = await latest_head(conn)
        if head is None:
            raise FailedPrecondition(
                "no tree head is signed yet; retry in a few seconds", reason="NO_SIGNED_HEAD"
            )
        if requested > head.tree_size:
            raise invalid(field, f"must be at most the signed tree size {head.tree_size}")
        return requested or head.tree_size

    async def inclusion(self, caller: Caller, seq: int, tree_size: int) -> Proof:
        admin_only(caller)
        if seq < 0:
            raise invalid("sequence", "must not be negative")
        size = await self._signed_size(tree_size, "tree_size")
        async with self._engine.connect() as conn:
            owner = (await conn.execute(sa.select(E.tenant_id).where(E.seq == seq))).scalar()
            if owner != caller.tenant_id:
                raise NotFound(f"no audit entry {seq} in your tenant", reason="ENTRY_NOT_FOUND")
            if seq >= size:
                raise invalid("tree_size", f"must be more than the entry's sequence {seq}")
            leaves = await _complete(conn, size)
        path = merkle.inclusion_path(seq, leaves)
        return Proof(seq, size, leaves[seq], path, merkle.root(leaves))

    async def consistency(self, caller: Caller, first: int, second: int) -> Proof:
        admin_only(caller)
        if first < 1:
            raise invalid("first_size", "must be at least 1")
        size = await self._signed_size(second, "second_size")
        if first > size:
            raise invalid("first_size", f"must be at most second_size ({size})")
        async with self._engine.connect() as conn:
            leaves = await _complete(conn, size)
        proof = merkle.consistency_proof(first, leaves)
        return Proof(0, size, b"", proof, merkle.root(leaves), merkle.root(leaves[:first]))


async def _complete(conn: Any, size: int) -> list[bytes]:
    leaves = await leaf_hashes(conn, size)
    if len(leaves) != size:
        # Only a hand in the database removes entries: say so, prove nothing.
        raise FailedPrecondition(
            "the audit log is missing entries; run `tablemesh audit verify`",
            reason="LOG_DAMAGED",
        )
    return leaves
