"""Newest-first keyset pages over a table with created_at and id, via runtime pagination."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.runtime import pagination
from services.runtime.errors import Violations


async def newest_first(
    engine: AsyncEngine,
    table: sa.Table,
    where: sa.ColumnElement[bool],
    *,
    page_size: int,
    page_token: str,
    scope: dict[str, str],
) -> tuple[list[Any], str]:
    """One page of rows and the next page's token ("" on the last page).

    `scope` (who is listing what) is bound into the token, so a token from one caller's
    listing cannot page through another's.
    """
    violations = Violations()
    size = 0
    try:
        size = pagination.page_size(page_size)
    except Exception as exc:  # noqa: BLE001 - reported together with the token's problem
        violations.items.extend(getattr(exc, "violations", []))
    fp = pagination.fingerprint(table=table.name, **scope)
    after = None
    try:
        after = pagination.decode_token(page_token, fp)
    except Exception as exc:  # noqa: BLE001
        violations.items.extend(getattr(exc, "violations", []))
    violations.raise_if_any()

    key = sa.tuple_(table.c.created_at, table.c.id)
    query = sa.select(table).where(where)
    if after is not None:
        bound = sa.tuple_(
            sa.literal(datetime.fromisoformat(after[0]), type_=table.c.created_at.type),
            sa.literal(after[1], type_=table.c.id.type),
        )
        query = query.where(key < bound)
    query = query.order_by(table.c.created_at.desc(), table.c.id.desc()).limit(size + 1)
    async with engine.connect() as conn:
        rows = list((await conn.execute(query)).all())
    page = rows[:size]
    token = ""
    if len(rows) > size:
        token = pagination.encode_token([page[-1].created_at.isoformat(), page[-1].id], fp)
    return page, token
