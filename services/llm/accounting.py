"""PostgreSQL storage of what model calls consumed, and of budgets (schema "llm")."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.events.v1.events_pb2 import Event

from services.llm.model import ModelCallRecord, StoredMessage, Usage
from services.llm.tables import budgets, model_calls
from services.llm.writes import RECORD_CALL, RECORD_LAST_CALL, call_params, event_params


def _usage(row: Any) -> Usage:
    return Usage(
        int(row.prompt_tokens or 0),
        int(row.completion_tokens or 0),
        float(row.cost_usd or 0),
        int(row.model_calls or 0),
    )


USAGE_COLUMNS = (
    sa.func.coalesce(sa.func.sum(model_calls.c.prompt_tokens), 0).label("prompt_tokens"),
    sa.func.coalesce(sa.func.sum(model_calls.c.completion_tokens), 0).label("completion_tokens"),
    sa.func.coalesce(sa.func.sum(model_calls.c.cost_usd), 0).label("cost_usd"),
    sa.func.count().label("model_calls"),
)


# Asked before every model call: built (and compiled) once.
LIMITS = sa.select(budgets.c.scope, budgets.c.subject, budgets.c.limit_usd).where(
    budgets.c.tenant_id == sa.bindparam("tenant_id"),
    sa.tuple_(budgets.c.scope, budgets.c.subject).in_(sa.bindparam("keys", expanding=True)),
)


class AccountingStore:
    def __init__(self, engine: AsyncEngine) -> None:
        # Single statements need no BEGIN/COMMIT round trips around them.
        self._auto = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def record(
        self,
        call: ModelCallRecord,
        now: datetime,
        reservation_id: str | None = None,
        answer: list[StoredMessage] | None = None,
        turn_event: Event | None = None,
    ) -> None:
        """One model call and the session's running totals, with the `answer` messages
        it produced (the turn's last, if any), in one statement, which also deletes the
        call's budget reservation: its amount turns into the real cost at once, so no
        budget check sees the call as neither held nor spent. The turn's last call
        carries the `turn_event` announcing it, into the outbox in the same statement."""
        params = call_params(call, str(uuid.uuid4()), reservation_id, answer or [], now)
        statement = RECORD_CALL
        if turn_event is not None:
            statement = RECORD_LAST_CALL
            params.update(event_params(turn_event))
        async with self._auto.connect() as conn:
            await conn.execute(statement, params)

    async def spent(
        self,
        tenant_id: str,
        *,
        user_id: str | None = None,
        session_id: str | None = None,
        since: datetime | None = None,
    ) -> float:
        conds = [model_calls.c.tenant_id == tenant_id]
        if user_id is not None:
            conds.append(model_calls.c.user_id == user_id)
        if session_id is not None:
            conds.append(model_calls.c.session_id == session_id)
        if since is not None:
            conds.append(model_calls.c.created_at >= since)
        query = sa.select(sa.func.coalesce(sa.func.sum(model_calls.c.cost_usd), 0)).where(*conds)
        async with self._auto.connect() as conn:
            return float((await conn.execute(query)).scalar_one())

    async def summary(
        self, tenant_id: str, user_id: str | None, since: datetime
    ) -> list[tuple[str, Usage]]:
        """Usage per model, largest cost first."""
        conds = [model_calls.c.tenant_id == tenant_id, model_calls.c.created_at >= since]
        if user_id is not None:
            conds.append(model_calls.c.user_id == user_id)
        query = (
            sa.select(model_calls.c.model, *USAGE_COLUMNS)
            .where(*conds)
            .group_by(model_calls.c.model)
            .order_by(sa.desc("cost_usd"), model_calls.c.model)
        )
        async with self._auto.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [(row.model, _usage(row)) for row in rows]

    # --- budgets -----------------------------------------------------------------------
    async def limits(
        self, tenant_id: str, keys: list[tuple[str, str]]
    ) -> dict[tuple[str, str], float]:
        """The limits set for these (scope, subject) pairs."""
        if not keys:
            return {}
        async with self._auto.connect() as conn:
            rows = (await conn.execute(LIMITS, {"tenant_id": tenant_id, "keys": keys})).all()
        return {(r.scope, r.subject): float(r.limit_usd) for r in rows}

    async def set_limit(
        self, tenant_id: str, scope: str, subject: str, limit_usd: float, set_by: str, now: datetime
    ) -> None:
        insert = postgresql.insert(budgets).values(
            tenant_id=tenant_id,
            scope=scope,
            subject=subject,
            limit_usd=limit_usd,
            set_by=set_by,
            updated_at=now,
        )
        upsert = insert.on_conflict_do_update(
            index_elements=[budgets.c.tenant_id, budgets.c.scope, budgets.c.subject],
            set_={"limit_usd": limit_usd, "set_by": set_by, "updated_at": now},
        )
        async with self._auto.connect() as conn:
            await conn.execute(upsert)
