"""Email delivery: SMTP through aiosmtplib, and the deliverer that drains the outbox.

Settings are read on every pass, so the same code keeps email in the outbox while
TABLEMESH_SMTP_HOST is unset and sends it once it is set (a restart with the new
configuration, or a test that changes the environment).
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib

from services.notifications.model import OutboxEmail
from services.notifications.outbox import OutboxStore
from services.runtime import logs
from services.runtime.background import poll_forever
from services.runtime.clock import now
from services.runtime.config import Settings, settings

SMTP_TIMEOUT = 15.0
POLL_INTERVAL = 5.0


def smtp_configured() -> bool:
    return bool(settings().smtp_host)


def build_message(email: OutboxEmail, cfg: Settings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = cfg.smtp_from
    message["To"] = email.to_address
    message["Subject"] = email.subject
    # A stable id per outbox email: a resend after a lost acknowledgement is recognisable.
    domain = cfg.smtp_from.rpartition("@")[2].rstrip(">").strip() or "tablemesh"
    message["Message-ID"] = make_msgid(idstring=email.id, domain=domain)
    message.set_content(email.body)
    return message


async def send_smtp(email: OutboxEmail, cfg: Settings) -> None:
    """Hands one email to the configured SMTP server; raises on failure."""
    password = cfg.smtp_password.get_secret_value() if cfg.smtp_password else None
    await aiosmtplib.send(
        build_message(email, cfg),
        hostname=cfg.smtp_host,
        port=cfg.smtp_port,
        username=cfg.smtp_username or None,
        password=password if cfg.smtp_username else None,
        use_tls=cfg.smtp_security == "tls",
        start_tls=cfg.smtp_security == "starttls",
        timeout=SMTP_TIMEOUT,
    )


def is_permanent(exc: Exception) -> bool:
    """A 5xx answer about the recipients or the message will not get better by retrying.
    (A refused login is left retryable: an operator can fix the credentials.)"""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return all(500 <= r.code < 600 for r in exc.recipients)
    if isinstance(exc, aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPDataError):
        return 500 <= exc.code < 600
    return False


def describe(exc: Exception) -> str:
    # aiosmtplib messages carry server replies, never our credentials.
    return f"{type(exc).__name__}: {exc}"[:500]


class Deliverer:
    """Claims due outbox emails and sends them, recording every attempt."""

    def __init__(self, store: OutboxStore) -> None:
        self.store = store
        self.log = logs.get("mailer")

    async def deliver(self, email: OutboxEmail) -> str:
        cfg = settings()
        error: str | None = None
        final = False
        try:
            await send_smtp(email, cfg)
        except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
            error, final = describe(exc), is_permanent(exc)
            self.log.warning("email delivery failed", outbox_id=email.id, error=error)
        state = await self.store.record(email, now(), error, final)
        if error is None:
            self.log.info("email sent", outbox_id=email.id, tenant_id=email.tenant_id)
        return state

    async def deliver_notification(self, notification_id: str) -> None:
        """Tries a new notification's email right away, when SMTP is configured."""
        if smtp_configured():
            for email in await self.store.claim(now(), limit=1, notification_id=notification_id):
                await self.deliver(email)

    async def deliver_due(self) -> int:
        """One pass over the due emails; returns how many were attempted."""
        if not smtp_configured():
            return 0
        claimed = await self.store.claim(now())
        for email in claimed:
            await self.deliver(email)
        return len(claimed)

    async def run_forever(self, interval: float = POLL_INTERVAL) -> None:
        """Delivers due emails until cancelled; a pass that attempted some goes again."""

        async def one_pass() -> bool:
            return await self.deliver_due() > 0

        await poll_forever(one_pass, interval, "email outbox pass")
