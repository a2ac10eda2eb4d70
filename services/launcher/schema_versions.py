"""Whether every service's schema is already at its newest migration, without Alembic.

Most starts find nothing to migrate, and running Alembic only to learn that cost a second
and a half of CPU before any service could start. This reads each revision file's
`revision` and `down_revision` (the plain assignments Alembic writes) and each schema's
alembic_version table. Only a clear yes skips migrations; anything unexpected (a file it
cannot read, a missing table, a database that does not answer) is a no, and Alembic runs
as always.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

SERVICES_DIR = Path(__file__).resolve().parent.parent


def _assigned(path: Path) -> dict[str, object]:
    values: dict[str, object] = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                values[target.id] = ast.literal_eval(value)
    return values


def heads(service: str) -> set[str]:
    """The revisions of the service's migrations that no other revision builds on."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (SERVICES_DIR / service / "migrations" / "versions").glob("*.py"):
        values = _assigned(path)
        revisions.add(str(values["revision"]))
        down = values.get("down_revision")
        if isinstance(down, str):
            parents.add(down)
        elif isinstance(down, tuple | list):
            parents.update(str(d) for d in down)
    return revisions - parents


async def at_newest(database_url: str, services: Iterable[str]) -> bool:
    """True when each service's schema records exactly its newest revisions."""
    import psycopg
    from psycopg import sql

    try:
        wanted = {name: heads(name) for name in services}
        conn = await psycopg.AsyncConnection.connect(database_url, connect_timeout=5)
        async with conn:
            for name, newest in wanted.items():
                query = sql.SQL("SELECT version_num FROM {}.alembic_version")
                cursor = await conn.execute(query.format(sql.Identifier(name)))
                if {row[0] for row in await cursor.fetchall()} != newest or not newest:
                    return False
    except (OSError, SyntaxError, ValueError, KeyError, psycopg.Error):
        return False
    return True
