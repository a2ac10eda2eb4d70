"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 and a free port, speaking real SMTP.

It records every message it accepts, and can be told to refuse mail or to demand a login
(SMTP_USER / SMTP_PASSWORD) from clients that offer one.
"""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

SMTP_USER = "mailer"
SMTP_PASSWORD = "s3cret-password"


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


@contextmanager
def running_smtp() -> Iterator[SmtpServer]:
    """An SMTP server on a free port for the block."""
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
