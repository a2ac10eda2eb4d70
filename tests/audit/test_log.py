"""The log on real PostgreSQL: appends keep one sequence without gaps whatever the number
of writers, redeliveries add nothing, heads are signed, and `verify` finds every kind of
tampering done directly in the tables."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.ext.asyncio import AsyncEngine

from services.audit import log, merkle, reading, signing, verify
from services.audit.record import from_event
from services.audit.rules import rule_for
from tests.audit.conftest import signed_in

pytestmark = pytest.mark.unit


def records(count: int, tenant: str | None = None) -> list:
    tenant = tenant or str(uuid.uuid4())
    found = []
    for _ in range(count):
        event = signed_in(tenant, str(uuid.uuid4()))
        rule = rule_for(event)
        assert rule is not None
        found.append(from_event(event, rule))
    return found


async def check(engine: AsyncEngine, key: Ed25519PrivateKey) -> verify.Report:
    async with engine.connect() as conn:
        rows = await reading.all_entries(conn)
        head = await reading.head_row(conn)
        heads = await reading.all_heads(conn)
    return verify.check(rows, head, heads, signing.public_bytes(key))


async def sql(engine: AsyncEngine, statement: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(sa.text(statement))


async def test_concurrent_appends_share_one_sequence_without_gaps(log_engine: AsyncEngine) -> None:
    batches = [records(3) for _ in range(8)]
    placed = await asyncio.gather(*(log.append(log_engine, b) for b in batches))
    assert sorted(s for seqs in placed for s in seqs) == list(range(24))
    async with log_engine.connect() as conn:
        head = await reading.head_row(conn)
        leaves = await reading.leaf_hashes(conn, 24)
    assert head.size == 24
    assert merkle.Frontier(head.size, head.frontier).root() == merkle.root(leaves)


async def test_a_redelivered_event_is_not_appended_twice(log_engine: AsyncEngine) -> None:
    batch = records(2)
    assert await log.append(log_engine, batch) == [0, 1]
    assert await log.append(log_engine, [batch[1], *records(1)]) == [2]


async def test_heads_are_signed_when_the_log_grew_and_verify(
    log_engine: AsyncEngine, key: Ed25519PrivateKey
) -> None:
    assert await log.sign_head(log_engine, key) is None  # nothing to sign
    await log.append(log_engine, records(3))
    assert await log.sign_head(log_engine, key) == 3
    assert await log.sign_head(log_engine, key) is None
    await log.append(log_engine, records(4))
    assert await log.sign_head(log_engine, key) == 7
    await log.append(log_engine, records(1))
    report = await check(log_engine, key)
    assert report.ok, report.problems
    assert (report.entries, report.signed_heads, report.signed_size, report.unsigned) == (
        8,
        2,
        7,
        1,
    )


async def test_another_key_is_refused(log_engine: AsyncEngine, key: Ed25519PrivateKey) -> None:
    await log.append(log_engine, records(2))
    await log.sign_head(log_engine, key)
    other = signing.load_key(signing.new_key_text())
    report = await check(log_engine, other)
    assert report.problems == ["signed head of size 2: the signature is not the audit key's"]


@pytest.fixture
async def signed_log(log_engine: AsyncEngine, key: Ed25519PrivateKey) -> AsyncEngine:
    await log.append(log_engine, records(5))
    await log.sign_head(log_engine, key)
    await log.append(log_engine, records(3))
    await log.sign_head(log_engine, key)
    assert (await check(log_engine, key)).ok
    return log_engine


async def test_a_changed_entry_is_found(signed_log: AsyncEngine, key: Ed25519PrivateKey) -> None:
    await sql(signed_log, "UPDATE audit.entries SET action = 'auth.signed_out' WHERE seq = 2")
    report = await check(signed_log, key)
    assert report.problems == ["entry 2 was changed: its fields no longer hash to it"]


async def test_a_changed_entry_with_its_hash_recomputed_is_found(
    signed_log: AsyncEngine, key: Ed25519PrivateKey
) -> None:
    async with signed_log.connect() as conn:
        row = (await reading.all_entries(conn))[2]
    from services.audit.record import from_row

    forged = from_row(row)
    forged = forged.__class__(**{**forged.__dict__, "source_ip": "10.0.0.1"})
    async with signed_log.begin() as conn:
        await conn.execute(
            sa.text(
                "UPDATE audit.entries SET source_ip = '10.0.0.1', leaf_hash = :h WHERE seq = 2"
            ),
            {"h": forged.leaf_hash()},
        )
    report = await check(signed_log, key)
    assert "the log head's frontier does not match the stored entries" in report.problems
    assert "signed head of size 5: the stored entries give another root" in report.problems


async def test_a_removed_entry_is_found(signed_log: AsyncEngine, key: Ed25519PrivateKey) -> None:
    await sql(signed_log, "DELETE FROM audit.entries WHERE seq = 3")
    report = await check(signed_log, key)
    assert report.problems[0] == "entry 3 is missing: the sequence goes from 2 to 4"
    assert "the log head counts 8 entries but 7 are stored" in report.problems


async def test_a_removed_last_entry_is_found(
    signed_log: AsyncEngine, key: Ed25519PrivateKey
) -> None:
    await sql(signed_log, "DELETE FROM audit.entries WHERE seq = 7")
    report = await check(signed_log, key)
    assert "signed head of size 8: only 7 entries are stored" in report.problems


async def test_an_inserted_entry_is_found(signed_log: AsyncEngine, key: Ed25519PrivateKey) -> None:
    # Room made in the middle: every later entry moved one up, the new one at 4.
    await sql(signed_log, "UPDATE audit.entries SET seq = seq + 100 WHERE seq >= 4")
    await sql(signed_log, "UPDATE audit.entries SET seq = seq - 99 WHERE seq >= 100")
    await sql(
        signed_log,
        "INSERT INTO audit.entries SELECT 4, gen_random_uuid(), tenant_id, time, actor_kind,"
        " actor_id, actor_role, action, resource, outcome, source_ip, user_agent, request_id,"
        " details, dropped_digest, leaf_hash, pruned, recorded_at FROM audit.entries"
        " WHERE seq = 3",
    )
    report = await check(signed_log, key)
    assert "entry 4 was changed: its fields no longer hash to it" in report.problems
    assert "the log head counts 8 entries but 9 are stored" in report.problems


async def test_reordered_entries_are_found(signed_log: AsyncEngine, key: Ed25519PrivateKey) -> None:
    await sql(signed_log, "UPDATE audit.entries SET seq = -1 WHERE seq = 1")
    await sql(signed_log, "UPDATE audit.entries SET seq = 1 WHERE seq = 6")
    await sql(signed_log, "UPDATE audit.entries SET seq = 6 WHERE seq = -1")
    report = await check(signed_log, key)
    assert report.problems[:2] == [
        "entry 1 was changed: its fields no longer hash to it",
        "entry 6 was changed: its fields no longer hash to it",
    ]


async def test_pruned_entries_keep_the_log_verifiable(
    signed_log: AsyncEngine, key: Ed25519PrivateKey
) -> None:
    assert await log.prune(signed_log, 0) == 8  # a retention of 0 days: all of them
    async with signed_log.connect() as conn:
        rows = await reading.all_entries(conn)
    assert all(r.pruned for r in rows)
    assert rows[0].details is None and rows[0].source_ip == ""
    report = await check(signed_log, key)
    assert report.ok, report.problems


async def test_what_a_pruned_entry_keeps_is_still_checked(
    signed_log: AsyncEngine, key: Ed25519PrivateKey
) -> None:
    await log.prune(signed_log, 0)
    flip = "CASE WHEN outcome = 'success' THEN 'failure' ELSE 'success' END"
    await sql(signed_log, f"UPDATE audit.entries SET outcome = {flip} WHERE seq = 2")
    await sql(signed_log, "UPDATE audit.entries SET action = 'auth.signed_out' WHERE seq = 5")
    report = await check(signed_log, key)
    assert report.problems[:2] == [
        "entry 2 was changed: its fields no longer hash to it",
        "entry 5 was changed: its fields no longer hash to it",
    ]
