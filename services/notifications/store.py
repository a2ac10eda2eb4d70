"""PostgreSQL storage of notifications and their outbox emails (schema "notifications")."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.notifications.model import CANCELLED, IN_APP, PENDING, Notification
from services.notifications.tables import UUID, WHEN, notifications, outbox

# A notification joined with its email's delivery state (if it has an email).
_joined = sa.select(
    notifications,
    outbox.c.id.label("outbox_id"),
    outbox.c.state.label("email_state"),
    outbox.c.attempts.label("email_attempts"),
    outbox.c.last_error.label("email_last_error"),
    outbox.c.sent_at.label("email_sent_at"),
).select_from(notifications.outerjoin(outbox, outbox.c.notification_id == notifications.c.id))


def _to_notification(row: Any) -> Notification:
    return Notification(
        id=row.id,
        tenant_id=row.tenant_id,
        recipient_user_id=row.recipient_user_id,
        recipient_email=row.recipient_email,
        channels=list(row.channels),
        template=row.template,
        subject=row.subject,
        body=row.body,
        created_at=row.created_at,
        read_at=row.read_at,
        deleted_at=row.deleted_at,
        email_state=row.email_state or "",
        email_attempts=row.email_attempts or 0,
        email_last_error=row.email_last_error or "",
        email_sent_at=row.email_sent_at,
    )


class NotificationStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def get(self, tenant_id: str, notification_id: str) -> Notification | None:
        """A notification of the tenant, deleted ones included."""
        query = _joined.where(
            notifications.c.tenant_id == tenant_id, notifications.c.id == notification_id
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return _to_notification(row) if row else None

    async def by_request_id(self, tenant_id: str, request_id: str) -> Notification | None:
        query = _joined.where(
            notifications.c.tenant_id == tenant_id, notifications.c.request_id == request_id
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return _to_notification(row) if row else None

    async def insert(
        self, n: Notification, request_id: str | None, *, email_due_at: datetime | None = None
    ) -> Notification | None:
        """Stores the notification and, for email, its pending outbox row (due for a
        background pass at `email_due_at`, by default at once), in one transaction. None
        when another call with the same request_id got there first."""
        values = {
            "id": n.id,
            "tenant_id": n.tenant_id,
            "recipient_user_id": n.recipient_user_id,
            "recipient_email": n.recipient_email,
            "channels": n.channels,
            "template": n.template,
            "subject": n.subject,
            "body": n.body,
            "request_id": request_id,
            "created_at": n.created_at,
        }
        try:
            async with self.engine.begin() as conn:
                await conn.execute(notifications.insert().values(**values))
                if n.email_state == PENDING:
                    await conn.execute(
                        outbox.insert().values(
                            id=str(uuid.uuid4()),
                            notification_id=n.id,
                            tenant_id=n.tenant_id,
                            to_address=n.recipient_email,
                            subject=n.subject,
                            body=n.body,
                            state=PENDING,
                            attempts=0,
                            next_attempt_at=email_due_at or n.created_at,
                            created_at=n.created_at,
                        )
                    )
        except IntegrityError as exc:
            if request_id and "notifications_request" in str(exc.orig):
                return None
            raise
        return n

    def _inbox(self, tenant_id: str, user_id: str) -> sa.ColumnElement[bool]:
        return sa.and_(
            notifications.c.tenant_id == tenant_id,
            notifications.c.recipient_user_id == user_id,
            notifications.c.channels.contains([IN_APP]),
            notifications.c.deleted_at.is_(None),
        )

    async def page(
        self,
        tenant_id: str,
        user_id: str,
        *,
        unread_only: bool,
        size: int,
        after: list[Any] | None,
    ) -> tuple[list[Notification], int, list[Any] | None]:
        """A page newest first, the unread count, and the last row's key if more follow."""
        inbox = self._inbox(tenant_id, user_id)
        query = _joined.where(inbox)
        if unread_only:
            query = query.where(notifications.c.read_at.is_(None))
        if after is not None:
            bound = sa.tuple_(
                sa.literal(datetime.fromisoformat(after[0]), WHEN), sa.literal(after[1], UUID)
            )
            query = query.where(sa.tuple_(notifications.c.created_at, notifications.c.id) < bound)
        query = query.order_by(notifications.c.created_at.desc(), notifications.c.id.desc())
        unread = sa.select(sa.func.count()).where(inbox, notifications.c.read_at.is_(None))
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query.limit(size + 1))).all()
            unread_count = (await conn.execute(unread)).scalar_one()
        found = [_to_notification(r) for r in rows[:size]]
        last = None
        if len(rows) > size:
            last = [found[-1].created_at.isoformat(), found[-1].id]
        return found, int(unread_count), last

    async def mark_read(
        self, tenant_id: str, user_id: str, notification_id: str, now: datetime
    ) -> bool:
        """True if the notification is the user's own in-app one (read now or before)."""
        query = (
            notifications.update()
            .where(self._inbox(tenant_id, user_id), notifications.c.id == notification_id)
            .values(read_at=sa.func.coalesce(notifications.c.read_at, now))
            .returning(notifications.c.id)
        )
        async with self.engine.begin() as conn:
            return (await conn.execute(query)).first() is not None

    async def tombstone(self, tenant_id: str, request_id: str, now: datetime) -> None:
        """Takes request_id with an already deleted, empty notification, unless a Send
        took it first: a compensation that overtakes its Send makes that Send a no-op."""
        query = (
            postgresql.insert(notifications)
            .values(
                id=str(uuid.uuid4()),
                tenant_id=tenant_id,
                recipient_email="",
                channels=[],
                template="",
                subject="",
                body="",
                request_id=request_id,
                created_at=now,
                deleted_at=now,
            )
            .on_conflict_do_nothing(
                index_elements=["tenant_id", "request_id"],
                index_where=notifications.c.request_id.isnot(None),
            )
        )
        async with self.engine.begin() as conn:
            await conn.execute(query)

    async def delete(self, tenant_id: str, notification_id: str, now: datetime) -> None:
        """Soft-deletes it (the request_id stays taken) and cancels an unsent email."""
        async with self.engine.begin() as conn:
            await conn.execute(
                notifications.update()
                .where(
                    notifications.c.tenant_id == tenant_id,
                    notifications.c.id == notification_id,
                    notifications.c.deleted_at.is_(None),
                )
                .values(deleted_at=now)
            )
            await conn.execute(
                outbox.update()
                .where(
                    outbox.c.notification_id == notification_id,
                    outbox.c.state.in_(("pending", "failed")),
                )
                .values(state=CANCELLED, next_attempt_at=None)
            )
