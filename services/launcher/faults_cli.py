"""`tablemesh faults`: set, show or clear the fault rules of a running mesh (chaos drills).

The rules go to the mesh's Redis (see services/runtime/faults.py for what a rule says);
services only act on them when the mesh runs with TABLEMESH_FAULT_INJECTION=true.
"""

from __future__ import annotations

import asyncio
import getpass
import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from services.launcher import state as statefile
from services.launcher.layout import layout
from services.runtime.config import settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Inject faults (drills).")
console = Console()
errors = Console(stderr=True, soft_wrap=True)


def _redis_url() -> str:
    running = statefile.running(layout().state_file)
    url = running.redis_url if running is not None else settings().redis_url
    if not url:
        errors.print("no running mesh here, and REDIS_URL is not set")
        raise typer.Exit(1)
    return url


def _injecting() -> bool:
    """Whether the mesh acts on the rules: the running one's setting, else our own."""
    running = statefile.running(layout().state_file)
    return running.fault_injection if running is not None else settings().fault_injection


async def _apply(rules: list[dict[str, Any]] | None) -> str | None:
    # Redis and the rules' code load for this command only, not for every `tablemesh` one.
    from services.runtime.cache import create_redis
    from services.runtime.faults import RULES_KEY, set_rules

    redis = create_redis(_redis_url())
    try:
        if rules is not None:
            # The operator's login name stands for who set them in the audit log.
            await set_rules(redis, rules, actor=f"operator:{getpass.getuser()}")
        raw = await redis.get(RULES_KEY)
        return str(raw) if raw else None
    finally:
        await redis.aclose()


@app.command("set")
def set_(rules: str = typer.Argument(..., help="A JSON list of rules, or @file.json.")) -> None:
    """Replace the fault rules; services pick them up within half a second."""
    from services.runtime.faults import parse_rules

    raw = Path(rules[1:]).read_text() if rules.startswith("@") else rules
    try:
        parsed = json.loads(raw)
        parse_rules(raw)
    except ValueError as exc:
        errors.print(f"bad fault rules: {exc}", markup=False)
        raise typer.Exit(2) from exc
    asyncio.run(_apply(parsed))
    console.print(f"{len(parsed)} fault rule(s) set")
    if not _injecting():
        console.print("note: this mesh ignores them; start it with TABLEMESH_FAULT_INJECTION=true")


@app.command()
def show() -> None:
    """Print the current fault rules."""
    console.print_json(asyncio.run(_apply(None)) or "[]")


@app.command()
def clear() -> None:
    """Remove every fault rule."""
    asyncio.run(_apply([]))
    console.print("fault rules cleared")
