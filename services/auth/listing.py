"""Newest-first keyset pages over a table with created_at and id, via runtime pagination."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.runtime import keyset, pagination
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

    query = sa.select(table).where(where)
    async with engine.connect() as conn:
        page, last = await keyset.page(
            conn, query, table.c.created_at, table.c.id, size, after, newest_first=True
        )
    token = pagination.encode_token(last, fp) if last else ""
    return page, token
