"""The email outbox: claiming due emails for delivery and recording each attempt.

An email is claimed by moving it to "sending" with a lease, in the same statement that
picks it (FOR UPDATE SKIP LOCKED), so several worker processes never send one email twice
at the same time; a deliverer that dies mid-send leaves a lease that expires, and the email
becomes due again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.notifications.model import (
    DEAD,
    FAILED,
    PENDING,
    RETRYABLE,
    SENDING,
    SENT,
    OutboxEmail,
)
from services.notifications.tables import delivery_attempts, outbox

LEASE = timedelta(seconds=120)
# A new email waits this long for the attempt its own Send makes before a background pass
# may take it: the pass then never races the sender (whose reply says what happened), and
# still picks up an email whose sender died before trying.
SENDER_FIRST = timedelta(seconds=30)
# Back-off after the n-th failure: BASE * 2**(n-1), capped; then given up after MAX_ATTEMPTS.
BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_CAP = timedelta(hours=1)
MAX_ATTEMPTS = 10


def backoff(attempts: int) -> timedelta:
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def _due(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(
        sa.and_(outbox.c.state.in_(RETRYABLE), outbox.c.next_attempt_at <= now),
        sa.and_(outbox.c.state == SENDING, outbox.c.lease_until < now),
    )


class OutboxStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def claim(
        self, now: datetime, *, limit: int = 20, notification_id: str | None = None
    ) -> list[OutboxEmail]:
        """Claims up to `limit` due emails (or the one of a notification, if due)."""
        pick = sa.select(outbox.c.id).where(_due(now))
        if notification_id is not None:
            # The sender's first attempt does not wait out SENDER_FIRST.
            first = sa.and_(outbox.c.state == PENDING, outbox.c.attempts == 0)
            pick = sa.select(outbox.c.id).where(
                sa.or_(_due(now), first), outbox.c.notification_id == notification_id
            )
        pick = (
            pick.order_by(outbox.c.next_attempt_at).limit(limit).with_for_update(skip_locked=True)
        )
        claim = (
            outbox.update()
            .where(outbox.c.id.in_(pick.scalar_subquery()))
            .values(state=SENDING, lease_until=now + LEASE)
            .returning(
                outbox.c.id,
                outbox.c.tenant_id,
                outbox.c.to_address,
                outbox.c.subject,
                outbox.c.body,
                outbox.c.attempts,
            )
        )
        async with self.engine.begin() as conn:
            rows = (await conn.execute(claim)).all()
        return [OutboxEmail(*row) for row in rows]

    async def record(
        self, email: OutboxEmail, now: datetime, error: str | None, final: bool
    ) -> str:
        """Writes the attempt and the email's new state; returns that state."""
        attempts = email.attempts + 1
        if error is None:
            values: dict[str, object] = {"state": SENT, "sent_at": now, "last_error": ""}
        elif final or attempts >= MAX_ATTEMPTS:
            values = {"state": DEAD, "next_attempt_at": None, "last_error": error}
        else:
            values = {
                "state": FAILED,
                "next_attempt_at": now + backoff(attempts),
                "last_error": error,
            }
        async with self.engine.begin() as conn:
            await conn.execute(
                delivery_attempts.insert().values(
                    outbox_id=email.id, attempted_at=now, ok=error is None, error=error or ""
                )
            )
            await conn.execute(
                outbox.update()
                .where(outbox.c.id == email.id, outbox.c.state == SENDING)
                .values(attempts=attempts, lease_until=None, **values)
            )
        return str(values["state"])

    async def attempts_of(self, notification_id: str) -> list[tuple[bool, str]]:
        """(ok, error) of every delivery attempt of a notification's email, oldest first."""
        query = (
            sa.select(delivery_attempts.c.ok, delivery_attempts.c.error)
            .select_from(
                delivery_attempts.join(outbox, outbox.c.id == delivery_attempts.c.outbox_id)
            )
            .where(outbox.c.notification_id == notification_id)
            .order_by(delivery_attempts.c.id)
        )
        async with self.engine.connect() as conn:
            return [(bool(ok), str(err)) for ok, err in (await conn.execute(query)).all()]
