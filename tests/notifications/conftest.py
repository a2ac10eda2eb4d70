"""Fixtures for notifications: a migrated schema, the domain, and a real SMTP server.

The SMTP server is aiosmtpd on 127.0.0.1 and a free port, speaking real SMTP; it records
every message it accepts, and can be told to refuse mail or to demand a login.
"""

from __future__ import annotations

import email
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy.ext.asyncio import AsyncEngine

from services.notifications.catalog import Catalog
from services.notifications.domain import Notifications
from services.notifications.mailer import Deliverer
from services.notifications.outbox import OutboxStore
from services.notifications.store import NotificationStore
from services.notifications.template_store import TemplateStore
from services.runtime.config import settings
from services.runtime.db import migrate
from services.runtime.identity import Caller

SMTP_USER = "mailer"
SMTP_PASSWORD = "s3cret-password"


def caller(role: str, tenant: str, user_id: str | None = None) -> Caller:
    return Caller(user_id or str(uuid.uuid4()), tenant, role, "x@example.com", "jti", 2**40, "t")


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Mailbox:
    """What the SMTP server received, and how it should answer the next messages."""

    received: list[Received] = field(default_factory=list)
    # An SMTP reply such as "451 4.3.0 try again later" to answer every DATA with.
    refuse_with: str | None = None
    logins: list[str] = field(default_factory=list)

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]


class RecordingHandler:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.mailbox.refuse_with:
            return self.mailbox.refuse_with
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        self.mailbox.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SmtpServer:
    port: int
    mailbox: Mailbox


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[SmtpServer]:
    mailbox = Mailbox()

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth: Any) -> Any:
        ok = (
            isinstance(auth, LoginPassword)
            and auth.login.decode() == SMTP_USER
            and auth.password.decode() == SMTP_PASSWORD
        )
        if ok:
            mailbox.logins.append(SMTP_USER)
        return AuthResult(success=ok)

    port = free_port()
    controller = Controller(
        RecordingHandler(mailbox),
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield SmtpServer(port, mailbox)
    finally:
        controller.stop()


@pytest.fixture
def mailbox(smtp_server: SmtpServer) -> Iterator[Mailbox]:
    smtp_server.mailbox.refuse_with = None
    yield smtp_server.mailbox
    smtp_server.mailbox.refuse_with = None


@pytest.fixture
def smtp_env(monkeypatch: pytest.MonkeyPatch, smtp_server: SmtpServer) -> Iterator[None]:
    """Points the settings at the test SMTP server, with a login and no TLS."""
    monkeypatch.setenv("TABLEMESH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TABLEMESH_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("TABLEMESH_SMTP_SECURITY", "none")
    monkeypatch.setenv("TABLEMESH_SMTP_USERNAME", SMTP_USER)
    monkeypatch.setenv("TABLEMESH_SMTP_PASSWORD", SMTP_PASSWORD)
    monkeypatch.setenv("TABLEMESH_SMTP_FROM", "Tablemesh <hello@tablemesh.test>")
    settings.cache_clear()
    yield
    settings.cache_clear()


@pytest.fixture
def no_smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("TABLEMESH_SMTP_HOST", raising=False)
    settings.cache_clear()
    yield
    settings.cache_clear()


@dataclass
class Service:
    notifications: Notifications
    catalog: Catalog
    deliverer: Deliverer
    outbox: OutboxStore


@pytest.fixture(scope="module")
async def service(database_url: str, engine: AsyncEngine) -> AsyncIterator[Service]:
    migrate("notifications", database_url)
    catalog = Catalog(TemplateStore(engine))
    outbox = OutboxStore(engine)
    deliverer = Deliverer(outbox)
    yield Service(
        Notifications(NotificationStore(engine), catalog, deliverer), catalog, deliverer, outbox
    )
