"""Email through a real SMTP server on a socket (aiosmtpd), the outbox, and retries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.notifications.domain import SendInput
from services.notifications.outbox import SENDER_FIRST
from services.notifications.tables import outbox
from services.runtime.config import settings
from tests.notifications.conftest import Service, caller
from tests.notifications.smtp_server import SMTP_USER, Mailbox


def address() -> str:
    return f"ada-{uuid.uuid4().hex[:8]}@example.com"


def welcome_email(to: str, request_id: str = "", channels: list[str] | None = None) -> SendInput:
    return SendInput(
        channels=channels or ["email"],
        recipient_user_id=str(uuid.uuid4()),
        recipient_email=to,
        template="welcome",
        variables={"first_name": "Ada", "workspace_name": "Analytical Engine"},
        request_id=request_id,
    )


async def make_due(engine: AsyncEngine, notification_id: str) -> None:
    """Moves a failed email's next attempt to now, instead of waiting out the back-off."""
    async with engine.begin() as conn:
        await conn.execute(
            outbox.update()
            .where(outbox.c.notification_id == notification_id)
            .values(next_attempt_at=sa.func.now() - timedelta(seconds=1))
        )


async def next_attempt_after_creation(engine: AsyncEngine, notification_id: str) -> timedelta:
    """How long after it was made an email is due for a background pass."""
    async with engine.connect() as conn:
        query = sa.select(outbox.c.next_attempt_at - outbox.c.created_at).where(
            outbox.c.notification_id == notification_id
        )
        return (await conn.execute(query)).scalar_one()  # type: ignore[no-any-return]


@pytest.mark.usefixtures("smtp_env")
async def test_send_delivers_through_smtp(service: Service, mailbox: Mailbox) -> None:
    to = address()
    sent = await service.notifications.send(caller("service", str(uuid.uuid4())), welcome_email(to))
    assert sent.email_state == "sent" and sent.email_attempts == 1
    assert sent.email_sent_at is not None
    [got] = mailbox.to(to)
    assert got.rcpt_tos == [to]
    assert got.mail_from == "hello@tablemesh.test"
    assert got.message["From"] == "Tablemesh <hello@tablemesh.test>"
    assert got.message["To"] == to
    assert got.message["Subject"] == "Welcome to tablemesh, Ada"
    body = got.message.get_body().get_content()  # type: ignore[union-attr]
    assert body.startswith("Hello Ada,") and '"Analytical Engine"' in body
    assert SMTP_USER in mailbox.logins  # the configured credentials were used
    assert await service.outbox.attempts_of(sent.id) == [(True, "")]


@pytest.mark.usefixtures("smtp_env")
async def test_a_background_pass_leaves_a_new_email_to_its_sender(
    service: Service, mailbox: Mailbox, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pass running between Send's commit and its own attempt (another worker's) does not
    take the email, so Send's reply says "sent"; once SENDER_FIRST is over, a pass would."""
    own_attempt = service.deliverer.deliver_notification
    to = address()
    before_own_attempt: list[int] = []

    async def pass_first(notification_id: str) -> None:
        while await service.deliverer.deliver_due():  # other tests' emails may be due
            pass
        before_own_attempt.append(len(mailbox.to(to)))
        await own_attempt(notification_id)

    monkeypatch.setattr(service.deliverer, "deliver_notification", pass_first)
    sent = await service.notifications.send(caller("service", str(uuid.uuid4())), welcome_email(to))
    assert before_own_attempt == [0]
    assert sent.email_state == "sent" and sent.email_attempts == 1
    assert len(mailbox.to(to)) == 1

    async def sender_died(notification_id: str) -> None:
        return None

    monkeypatch.setattr(service.deliverer, "deliver_notification", sender_died)
    orphan = await service.notifications.send(
        caller("service", str(uuid.uuid4())), welcome_email(to := address())
    )
    assert orphan.email_state == "pending"
    while await service.deliverer.deliver_due():
        pass
    assert mailbox.to(to) == []
    wait = await next_attempt_after_creation(engine, orphan.id)
    assert wait == SENDER_FIRST
    await make_due(engine, orphan.id)
    while await service.deliverer.deliver_due():
        pass
    assert len(mailbox.to(to)) == 1


@pytest.mark.usefixtures("smtp_env")
async def test_idempotent_send_emails_once(service: Service, mailbox: Mailbox) -> None:
    to, saga = address(), caller("service", str(uuid.uuid4()))
    request_id = f"saga-{uuid.uuid4()}:welcome_notification"
    first = await service.notifications.send(
        saga, welcome_email(to, request_id, ["email", "in_app"])
    )
    again = await service.notifications.send(
        saga, welcome_email(to, request_id, ["email", "in_app"])
    )
    assert again.id == first.id and again.email_state == "sent"
    assert len(mailbox.to(to)) == 1


async def test_outbox_without_smtp_then_delivered_once_configured(
    service: Service, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch, smtp_server: object
) -> None:
    monkeypatch.delenv("TABLEMESH_SMTP_HOST", raising=False)
    settings.cache_clear()
    to = address()
    sent = await service.notifications.send(caller("service", str(uuid.uuid4())), welcome_email(to))
    assert sent.email_state == "pending" and sent.email_attempts == 0
    assert await service.deliverer.deliver_due() == 0  # no SMTP: it stays in the outbox
    assert mailbox.to(to) == []

    port = smtp_server.port  # type: ignore[attr-defined]
    for key, value in {
        "TABLEMESH_SMTP_HOST": "127.0.0.1",
        "TABLEMESH_SMTP_PORT": str(port),
        "TABLEMESH_SMTP_SECURITY": "none",
        "TABLEMESH_SMTP_FROM": "ops@tablemesh.test",
    }.items():
        monkeypatch.setenv(key, value)
    settings.cache_clear()
    try:
        while await service.deliverer.deliver_due():  # the background task's pass
            pass
        [got] = mailbox.to(to)
        assert got.message["Subject"] == "Welcome to tablemesh, Ada"
        assert got.message["From"] == "ops@tablemesh.test"
        after = await service.notifications.store.get(sent.tenant_id, sent.id)
        assert after is not None and after.email_state == "sent" and after.email_attempts == 1
        assert await service.deliverer.deliver_due() == 0  # nothing is sent twice
        assert len(mailbox.to(to)) == 1
    finally:
        settings.cache_clear()


@pytest.mark.usefixtures("smtp_env")
async def test_failed_delivery_is_retried_with_backoff(
    service: Service, mailbox: Mailbox, engine: AsyncEngine
) -> None:
    to = address()
    mailbox.refuse_with = "451 4.3.0 mailbox busy, try again later"
    sent = await service.notifications.send(caller("service", str(uuid.uuid4())), welcome_email(to))
    assert sent.email_state == "failed" and sent.email_attempts == 1
    assert "451" in sent.email_last_error
    # Backed off: not due yet, so a pass does not hammer the server.
    delay = await next_attempt_after_creation(engine, sent.id)
    assert delay >= timedelta(seconds=9)
    attempted = await service.outbox.claim(datetime.now(UTC), notification_id=sent.id)
    assert attempted == []

    mailbox.refuse_with = None
    await make_due(engine, sent.id)
    while await service.deliverer.deliver_due():
        pass
    assert len(mailbox.to(to)) == 1
    after = await service.notifications.store.get(sent.tenant_id, sent.id)
    assert after is not None and after.email_state == "sent" and after.email_attempts == 2
    attempts = await service.outbox.attempts_of(sent.id)
    assert [ok for ok, _ in attempts] == [False, True] and "451" in attempts[0][1]


@pytest.mark.usefixtures("smtp_env")
async def test_permanent_refusal_is_not_retried(service: Service, mailbox: Mailbox) -> None:
    to = address()
    mailbox.refuse_with = "550 5.1.1 no such mailbox"
    sent = await service.notifications.send(caller("service", str(uuid.uuid4())), welcome_email(to))
    assert sent.email_state == "dead" and "550" in sent.email_last_error
    mailbox.refuse_with = None
    assert await service.outbox.claim(datetime.now(UTC), notification_id=sent.id) == []
    assert mailbox.to(to) == []


async def test_unreachable_smtp_keeps_the_email(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.notifications.smtp_server import free_port

    monkeypatch.setenv("TABLEMESH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TABLEMESH_SMTP_PORT", str(free_port()))  # nothing listens there
    monkeypatch.setenv("TABLEMESH_SMTP_SECURITY", "none")
    settings.cache_clear()
    try:
        sent = await service.notifications.send(
            caller("service", str(uuid.uuid4())), welcome_email(address())
        )
    finally:
        settings.cache_clear()
    assert sent.email_state == "failed" and sent.email_attempts == 1 and sent.email_last_error
