"""Checks the stored audit log against itself and its signed heads (`tablemesh audit verify`).

What it recomputes, from the stored rows alone:
- every entry's leaf hash from its fields (a changed entry no longer matches its hash; a
  pruned entry from what it keeps and the stored digest of what it lost);
- the sequence 0, 1, 2, ... without gaps (a removed entry leaves a gap, an inserted or
  moved one a hash that no longer matches, since the sequence is hashed too);
- the log head's size and frontier against the recomputed tree;
- every signed head: its Ed25519 signature under the configured key, its root against the
  recomputed tree of its size, and an RFC 6962 consistency proof from each head to the next.
An entry changed together with its stored hash changes the recomputed roots, which the
signatures then refuse. Entries appended after the latest signed head are reported as
not yet signed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from services.audit import merkle, signing
from services.audit.record import from_row


@dataclass
class Report:
    entries: int = 0
    signed_heads: int = 0
    signed_size: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def unsigned(self) -> int:
        return max(0, self.entries - self.signed_size)


def leaves_of(rows: Sequence[Any], report: Report) -> list[bytes]:
    leaves: list[bytes] = []
    for index, row in enumerate(rows):
        if row.seq != index:
            report.problems.append(
                f"entry {index} is missing: the sequence goes from {index - 1} to {row.seq}"
            )
            return leaves
        stored = bytes(row.leaf_hash)
        record = from_row(row)
        if record.leaf_hash(row.dropped_digest) != stored or (
            not row.pruned and record.dropped_digest() != row.dropped_digest
        ):
            report.problems.append(f"entry {row.seq} was changed: its fields no longer hash to it")
        leaves.append(stored)
    return leaves


def check(
    rows: Sequence[Any], head: Any, heads: Sequence[signing.TreeHead], public_key: bytes
) -> Report:
    """rows: the entries by sequence; head: the log_head row; heads: the signed heads by
    size; public_key: the key the heads must be signed with."""
    report = Report(entries=len(rows), signed_heads=len(heads))
    leaves = leaves_of(rows, report)
    if head.size != len(rows):
        report.problems.append(
            f"the log head counts {head.size} entries but {len(rows)} are stored"
        )
    elif merkle.Frontier(head.size, head.frontier).root() != merkle.root(leaves):
        report.problems.append("the log head's frontier does not match the stored entries")
    previous: signing.TreeHead | None = None
    for signed in heads:
        where = f"signed head of size {signed.tree_size}"
        if signed.public_key != public_key or not signing.valid(public_key, signed):
            report.problems.append(f"{where}: the signature is not the audit key's")
        if signed.tree_size > len(leaves):
            report.problems.append(f"{where}: only {len(leaves)} entries are stored")
            continue
        if merkle.root(leaves[: signed.tree_size]) != signed.root_hash:
            report.problems.append(f"{where}: the stored entries give another root")
        if previous is not None:
            proof = merkle.consistency_proof(previous.tree_size, leaves[: signed.tree_size])
            if not merkle.verify_consistency(
                previous.tree_size,
                signed.tree_size,
                previous.root_hash,
                signed.root_hash,
                proof,
            ):
                report.problems.append(
                    f"{where} is not consistent with the head of size {previous.tree_size}"
                )
        previous = signed
        report.signed_size = signed.tree_size
    return report
