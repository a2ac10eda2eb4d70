"""Appending to the audit log, signing its heads, pruning old details.

One log for the whole mesh, not one per tenant: a single sequence and a single signed
head per interval are what an auditor checks (`tablemesh audit verify`), mesh-wide
actions (fault rules, service tokens) belong to no tenant, and a tenant's admin still
gets inclusion proofs for their own entries against the same signed root (the root and
size reveal no entry). Appends from any number of audit processes stay in one order
without gaps: each append locks the one log_head row (size and Merkle frontier), numbers
its entries from the size, and writes the new frontier in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from services.audit import merkle, signing
from services.audit.record import Record
from services.audit.store import entries, log_head, tree_heads
from services.runtime.clock import now

E = entries.c


async def append(engine: AsyncEngine, records: Sequence[Record]) -> list[int]:
    """Appends the records not yet in the log (by event id); answers their sequences."""
    async with engine.begin() as conn:
        head = (
            await conn.execute(sa.select(log_head).where(log_head.c.id == 1).with_for_update())
        ).one()
        ids = [r.event_id for r in records]
        seen = set((await conn.execute(sa.select(E.event_id).where(E.event_id.in_(ids)))).scalars())
        frontier = merkle.Frontier(head.size, head.frontier)
        rows, added, stamp = [], [], now()
        for record in records:
            if record.event_id in seen:
                continue
            seen.add(record.event_id)
            placed = record.at(frontier.size)
            leaf = placed.leaf_hash()
            rows.append(_row(placed, leaf, stamp))
            added.append(placed.seq)
            frontier.append(leaf)
        if rows:
            await conn.execute(entries.insert(), rows)
            await conn.execute(
                log_head.update()
                .where(log_head.c.id == 1)
                .values(size=frontier.size, frontier=frontier.hashes, updated_at=stamp)
            )
    return added


def _row(record: Record, leaf: bytes, stamp: object) -> dict[str, object]:
    return {
        "seq": record.seq,
        "event_id": record.event_id,
        "tenant_id": record.tenant_id,
        "time": record.time,
        "actor_kind": record.actor_kind,
        "actor_id": record.actor_id,
        "actor_role": record.actor_role,
        "action": record.action,
        "resource": record.resource,
        "outcome": record.outcome,
        "source_ip": record.source_ip,
        "user_agent": record.user_agent,
        "request_id": record.request_id,
        "details": record.details,
        "dropped_digest": record.dropped_digest(),
        "leaf_hash": leaf,
        "pruned": False,
        "recorded_at": stamp,
    }


async def sign_head(engine: AsyncEngine, key: Ed25519PrivateKey) -> int | None:
    """Signs the log's current head if it grew since the last signed one; answers the
    signed size (None: nothing new)."""
    async with engine.begin() as conn:
        head = (await conn.execute(sa.select(log_head).where(log_head.c.id == 1))).one()
        latest = (await conn.execute(sa.select(sa.func.max(tree_heads.c.tree_size)))).scalar()
        if head.size == 0 or (latest is not None and latest >= head.size):
            return None
        root = merkle.Frontier(head.size, head.frontier).root()
        signed = signing.sign(key, head.size, root, now())
        await conn.execute(
            insert(tree_heads)
            .values(
                tree_size=signed.tree_size,
                root_hash=signed.root_hash,
                signed_at=signed.signed_at,
                signature=signed.signature,
                public_key=signed.public_key,
            )
            .on_conflict_do_nothing()
        )
    return signed.tree_size


async def prune(engine: AsyncEngine, retention_days: float) -> int:
    """Drops the details, actor, addresses and resource of entries older than the
    retention period. Their sequence, tenant, time, action, outcome and the digest of what
    was dropped stay, so each pruned entry is still checked against its leaf hash, and the
    signed heads still cover the tree."""
    cutoff = now() - timedelta(days=retention_days)
    async with engine.begin() as conn:
        done = await conn.execute(
            entries.update()
            .where(E.time < cutoff, E.pruned.is_(False))
            .values(
                pruned=True,
                details=None,
                actor_id="",
                actor_role="",
                resource="",
                source_ip="",
                user_agent="",
                request_id="",
            )
        )
    return int(done.rowcount)
