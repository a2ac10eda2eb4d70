"""Messages and their attempts in PostgreSQL.

A worker claims one due message at a time: `FOR UPDATE SKIP LOCKED` so two workers never
take the same row, and a lease (lease_until) so a worker that dies mid-delivery (kill -9)
leaves the message to be claimed again once the lease runs out: at least once, and never
by two workers at the same time. A worker writes its attempt's result only while it still
holds the lease.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.events.v1.events_pb2 import Event

from services.runtime import clock, events, keyset
from services.webhooks import model as m
from services.webhooks.endpoint_store import announce, row_to_endpoint
from services.webhooks.tables import attempts, endpoints, messages

M, A, E = messages.c, attempts.c, endpoints.c
ATTEMPTS_SHOWN = 100


def message_id() -> str:
    return "msg_" + uuid.uuid4().hex


def row_to_message(row: Any) -> m.Message:
    return m.Message(
        id=row.id,
        tenant_id=str(row.tenant_id),
        endpoint_id=str(row.endpoint_id),
        event_id=str(row.event_id),
        event_type=row.event_type,
        payload=row.payload,
        status=row.status,
        attempt_count=row.attempt_count,
        round_attempts=row.round_attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        created_at=row.created_at,
    )


def row_to_attempt(row: Any) -> m.Attempt:
    return m.Attempt(
        id=str(row.id),
        message_id=row.message_id,
        number=row.number,
        response_status=row.response_status,
        succeeded=row.succeeded,
        error=row.error,
        latency_ms=row.latency_ms,
        response_body=row.response_body,
        created_at=row.created_at,
    )


@dataclass(frozen=True)
class Result:
    """What a worker writes after an attempt."""

    attempt: m.Attempt
    status: str  # the message's new status
    next_attempt_at: datetime | None
    # Set when the endpoint is to be disabled now ("gone", "failing").
    disable: str = ""


class MessageStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def fan_out(self, event: Event, endpoint_ids: list[str]) -> int:
        """One pending message per endpoint, due now; an event seen before adds none."""
        if not endpoint_ids:
            return 0
        now, body = clock.now(), events.to_json(event)
        rows = [
            {
                "id": message_id(), "tenant_id": event.tenant_id, "endpoint_id": e,
                "event_id": event.id, "event_type": event.type, "payload": body,
                "status": m.PENDING, "next_attempt_at": now, "created_at": now,
                "updated_at": now,
            }
            for e in endpoint_ids
        ]  # fmt: skip
        query = (
            insert(messages)
            .values(rows)
            .on_conflict_do_nothing(constraint="messages_event")
            .returning(M.id)
        )
        async with self.engine.begin() as conn:
            return len((await conn.execute(query)).all())

    async def claim(self, owner: str, hold_seconds: float) -> m.Message | None:
        """The message due longest, of an enabled endpoint, leased to `owner`."""
        now = clock.now()
        due = (
            sa.select(M.id)
            .join(endpoints, E.id == M.endpoint_id)
            .where(
                M.status == m.PENDING,
                M.next_attempt_at <= now,
                sa.or_(M.lease_until.is_(None), M.lease_until < now),
                E.enabled,
            )
            .order_by(M.next_attempt_at)
            .limit(1)
            .with_for_update(of=messages, skip_locked=True)
            .scalar_subquery()
        )
        query = (
            messages.update()
            .where(M.id == due)
            .values(lease_owner=owner, lease_until=now + timedelta(seconds=hold_seconds))
            .returning(messages)
        )
        async with self.engine.begin() as conn:
            row = (await conn.execute(query)).first()
        return row_to_message(row) if row else None

    async def finish(
        self, msg: m.Message, owner: str, result: Result, disable_after: timedelta
    ) -> m.Endpoint | None:
        """Records the attempt and the message's new state (only while `owner` holds the
        lease); marks the endpoint failing or healthy. Answers the endpoint when this
        attempt disabled it (its admin is told)."""
        a, now = result.attempt, clock.now()
        async with self.engine.begin() as conn:
            held = await conn.execute(
                messages.update()
                .where(M.id == msg.id, M.lease_owner == owner, M.status == m.PENDING)
                .values(
                    status=result.status,
                    attempt_count=M.attempt_count + 1,
                    round_attempts=M.round_attempts + 1,
                    next_attempt_at=result.next_attempt_at,
                    last_error=a.error,
                    lease_owner=None,
                    lease_until=None,
                    updated_at=now,
                )
            )
            if held.rowcount == 0:
                return None  # the lease ran out and another worker took the message over
            await conn.execute(
                attempts.insert().values(
                    id=a.id, tenant_id=msg.tenant_id, message_id=msg.id,
                    endpoint_id=msg.endpoint_id, number=a.number,
                    response_status=a.response_status, succeeded=a.succeeded, error=a.error,
                    latency_ms=a.latency_ms, response_body=a.response_body, created_at=now,
                )
            )  # fmt: skip
            return await self._health(conn, msg.endpoint_id, result, now, disable_after)

    async def _health(
        self, conn: Any, endpoint_id: str, result: Result, now: datetime, limit: timedelta
    ) -> m.Endpoint | None:
        where = E.id == endpoint_id
        if result.attempt.succeeded:
            await conn.execute(endpoints.update().where(where).values(failing_since=None))
            return None
        row = (
            await conn.execute(
                endpoints.update()
                .where(where)
                .values(failing_since=sa.func.coalesce(E.failing_since, now))
                .returning(endpoints)
            )
        ).first()
        if row is None or not row.enabled:
            return None
        reason = result.disable or (m.FAILING if now - row.failing_since >= limit else "")
        if not reason:
            return None
        row = (
            await conn.execute(
                endpoints.update()
                .where(where)
                .values(enabled=False, disabled_reason=reason, updated_at=now)
                .returning(endpoints)
            )
        ).one()
        ep = row_to_endpoint(row)
        await announce(conn, "disabled", ep, reason=reason, actor=SERVICE_ACTOR)
        return ep

    async def page(
        self, endpoint_id: str, status: str, size: int, after: keyset.Key | None
    ) -> tuple[list[m.Message], keyset.Key | None]:
        query = sa.select(messages).where(M.endpoint_id == endpoint_id)
        if status:
            query = query.where(M.status == status)
        async with self.engine.connect() as conn:
            rows, last = await keyset.page(
                conn, query, M.created_at, M.id, size, after, newest_first=True
            )
        return [row_to_message(r) for r in rows], last

    async def attempts_of(self, endpoint_id: str, msg_id: str) -> list[m.Attempt] | None:
        """The message's attempts, oldest first; None when there is no such message."""
        async with self.engine.connect() as conn:
            found = await conn.scalar(
                sa.select(M.id).where(M.id == msg_id, M.endpoint_id == endpoint_id)
            )
            if found is None:
                return None
            rows = await conn.execute(
                sa.select(attempts)
                .where(A.message_id == msg_id)
                .order_by(A.number.desc())
                .limit(ATTEMPTS_SHOWN)
            )
        return [row_to_attempt(r) for r in reversed(rows.all())]

    async def replay(self, endpoint_id: str, msg_id: str) -> m.Message | None:
        """Pending again, due now, on a fresh schedule; None when there is no such message."""
        now = clock.now()
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    messages.update()
                    .where(M.id == msg_id, M.endpoint_id == endpoint_id)
                    .values(status=m.PENDING, round_attempts=0, next_attempt_at=now, updated_at=now)
                    .returning(messages)
                )
            ).first()
        return row_to_message(row) if row else None

    async def recover(self, endpoint_id: str, since: datetime) -> int:
        """Every failed message of the endpoint made since `since`, pending again."""
        now = clock.now()
        async with self.engine.begin() as conn:
            done = await conn.execute(
                messages.update()
                .where(M.endpoint_id == endpoint_id, M.status == m.FAILED, M.created_at >= since)
                .values(status=m.PENDING, round_attempts=0, next_attempt_at=now, updated_at=now)
            )
        return int(done.rowcount)


SERVICE_ACTOR = events.Actor(
    kind=events.ActorKind.ACTOR_KIND_SERVICE, id="service:webhooks", role="service"
)
