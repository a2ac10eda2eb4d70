"""`tablemesh audit verify`: recompute the audit log's Merkle tree from the stored entries
and check it against the signed tree heads (services/audit/verify.py says what it finds).

It reads the mesh's PostgreSQL directly (the running mesh's, else DATABASE_URL), and
checks signatures with the public half of TABLEMESH_AUDIT_SIGNING_KEY (the launcher's
kept key when the variable is unset). Exit 0: the log is intact; 1: it is not.
"""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console

from services.launcher import state as statefile
from services.launcher.layout import layout
from services.runtime.config import settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Check the audit log.")
console = Console()
errors = Console(stderr=True, soft_wrap=True)


def _database_url() -> str:
    running = statefile.running(layout().state_file)
    url = running.database_url if running is not None else settings().database_url
    if not url:
        errors.print("no running mesh here, and DATABASE_URL is not set")
        raise typer.Exit(2)
    return url


async def _verify(url: str, public_key: bytes) -> object:
    from services.audit import reading, verify
    from services.runtime.db import create_engine

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await reading.all_entries(conn)
            head = await reading.head_row(conn)
            heads = await reading.all_heads(conn)
    finally:
        await engine.dispose()
    return verify.check(rows, head, heads, public_key)


@app.command()
def verify() -> None:
    """Recompute the tree from the stored entries; check every signed head and their
    consistency. Any changed, removed, inserted or reordered entry fails."""
    from services.audit import signing
    from services.audit.verify import Report

    key = settings().audit_signing_key
    try:
        public_key = signing.public_bytes(signing.load_key(key.get_secret_value() if key else None))
    except signing.KeyError_ as exc:
        errors.print(str(exc), markup=False)
        raise typer.Exit(2) from exc
    report = asyncio.run(_verify(_database_url(), public_key))
    assert isinstance(report, Report)
    console.print(
        f"{report.entries} entries, {report.signed_heads} signed heads "
        f"(latest covers {report.signed_size}; {report.unsigned} not yet signed)",
        markup=False,
    )
    for problem in report.problems:
        errors.print(f"FAILED: {problem}", markup=False)
    if not report.ok:
        raise typer.Exit(1)
    console.print("audit log verified: every entry matches its hash and the signed heads")
