"""PostgreSQL storage of chat sessions and their messages (schema "llm"). A turn's writes
are single statements (services/llm/writes.py); reads run in autocommit too."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.events.v1.events_pb2 import Event

from services.llm.model import Session, StoredMessage, Usage
from services.llm.tables import budgets, messages, sessions
from services.llm.writes import (
    ADD_LAST_MESSAGES,
    ADD_MESSAGES,
    START_SESSION,
    bound,
    event_params,
    message_params,
)


def _session(row: Any) -> Session:
    return Session(
        id=row.id,
        tenant_id=row.tenant_id,
        user_id=row.user_id,
        title=row.title,
        base_id=row.base_id,
        message_count=row.message_count,
        usage=Usage(row.prompt_tokens, row.completion_tokens, float(row.cost_usd), row.model_calls),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _message(row: Any) -> StoredMessage:
    return StoredMessage(
        row.id, row.role, row.content, list(row.tool_calls), row.tool_call_id, row.created_at
    )


class SessionStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        # Single statements need no BEGIN/COMMIT round trips around them.
        self._auto = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def create(
        self,
        tenant_id: str,
        user_id: str,
        title: str,
        base_id: str,
        now: datetime,
        session_id: str | None = None,
        first: list[StoredMessage] | None = None,
    ) -> Session:
        """A new session, with its `first` messages; its id may be chosen beforehand (a
        turn claims it first)."""
        params = message_params(session_id or str(uuid.uuid4()), first or [], now)
        owner = bound(tenant_id=tenant_id, user_id=user_id, title=title, base_id=base_id)
        async with self._auto.connect() as conn:
            row = (await conn.execute(START_SESSION, {**params, **owner})).one()
        return _session(row)

    async def get(self, tenant_id: str, user_id: str, session_id: str) -> Session | None:
        """The session, only if it belongs to this user of this tenant."""
        query = sa.select(sessions).where(
            sessions.c.id == session_id,
            sessions.c.tenant_id == tenant_id,
            sessions.c.user_id == user_id,
        )
        async with self._auto.connect() as conn:
            row = (await conn.execute(query)).first()
        return _session(row) if row else None

    async def page(
        self, tenant_id: str, user_id: str, size: int, after: list[Any] | None
    ) -> tuple[list[Session], list[Any] | None]:
        """Newest first; the sort key of the last row when there is a next page."""
        query = sa.select(sessions).where(
            sessions.c.tenant_id == tenant_id, sessions.c.user_id == user_id
        )
        if after is not None:
            bound = sa.tuple_(
                sa.literal(datetime.fromisoformat(after[0]), sessions.c.created_at.type),
                sa.literal(after[1], sessions.c.id.type),
            )
            query = query.where(sa.tuple_(sessions.c.created_at, sessions.c.id) < bound)
        query = query.order_by(sessions.c.created_at.desc(), sessions.c.id.desc()).limit(size + 1)
        async with self._auto.connect() as conn:
            rows = (await conn.execute(query)).all()
        found = [_session(r) for r in rows[:size]]
        last = None
        if len(rows) > size:
            last = [found[-1].created_at.isoformat() if found[-1].created_at else "", found[-1].id]
        return found, last

    async def delete(self, tenant_id: str, user_id: str, session_id: str) -> bool:
        where = sa.and_(
            sessions.c.id == session_id,
            sessions.c.tenant_id == tenant_id,
            sessions.c.user_id == user_id,
        )
        async with self._engine.begin() as conn:
            gone = (await conn.execute(sessions.delete().where(where))).rowcount
            if gone:
                await conn.execute(
                    budgets.delete().where(
                        budgets.c.tenant_id == tenant_id,
                        budgets.c.scope == "session",
                        budgets.c.subject == session_id,
                    )
                )
        return bool(gone)

    async def append(
        self,
        session_id: str,
        new: list[StoredMessage],
        now: datetime,
        base_id: str | None = None,
        turn_event: Event | None = None,
    ) -> None:
        """Adds messages (in order) and keeps the session's count and time current; a
        turn's last messages carry its `turn_event`, into the outbox in one statement."""
        if not new:
            return
        params = {**message_params(session_id, new, now), **bound(base_id=base_id)}
        statement = ADD_MESSAGES
        if turn_event is not None:
            statement = ADD_LAST_MESSAGES
            params.update(event_params(turn_event))
        async with self._auto.connect() as conn:
            await conn.execute(statement, params)

    async def history(
        self, session_id: str, size: int, after_seq: int | None
    ) -> tuple[list[StoredMessage], int | None]:
        """Oldest first; the last row's seq when there is a next page."""
        query = sa.select(messages).where(messages.c.session_id == session_id)
        if after_seq is not None:
            query = query.where(messages.c.seq > after_seq)
        query = query.order_by(messages.c.seq).limit(size + 1)
        async with self._auto.connect() as conn:
            rows = (await conn.execute(query)).all()
        last = int(rows[size - 1].seq) if len(rows) > size else None
        return [_message(r) for r in rows[:size]], last

    async def recent(self, session_id: str, limit: int) -> list[StoredMessage]:
        """The last `limit` messages, oldest first: the context sent to the model."""
        inner = (
            sa.select(messages)
            .where(messages.c.session_id == session_id)
            .order_by(messages.c.seq.desc())
            .limit(limit)
            .subquery()
        )
        query = sa.select(inner).order_by(inner.c.seq)
        async with self._auto.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_message(r) for r in rows]
