"""Keyset pages in SQL (AIP-158): rows after the last one a page token names, in a stable
order by (created_at, id), one more row than asked to know whether a next page exists.

The token side (signing, filter fingerprints) is pagination.py; this is the query side
that every service's List methods share.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

# The sort key a page token carries: [created_at as ISO text, id].
Key = list[Any]


async def page(
    conn: AsyncConnection,
    query: sa.Select[Any],
    created: sa.ColumnElement[Any],
    row_id: sa.ColumnElement[Any],
    size: int,
    after: Key | None,
    *,
    newest_first: bool = False,
) -> tuple[list[Any], Key | None]:
    """Up to `size` rows of `query` after the key `after`, oldest (or newest) first; and
    the key of the last one when there are more."""
    if after is not None:
        bound = sa.tuple_(
            sa.literal(datetime.fromisoformat(after[0]), type_=created.type),
            sa.literal(after[1], type_=row_id.type),
        )
        key = sa.tuple_(created, row_id)
        query = query.where(key < bound if newest_first else key > bound)
    order = (created.desc(), row_id.desc()) if newest_first else (created, row_id)
    rows = list((await conn.execute(query.order_by(*order).limit(size + 1))).all())
    found = rows[:size]
    if len(rows) <= size or not found:
        return found, None
    last = found[-1]
    return found, [getattr(last, str(created.key)).isoformat(), getattr(last, str(row_id.key))]
