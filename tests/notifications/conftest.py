"""Fixtures for notifications: a migrated schema, the domain, and a real SMTP server
(tests/notifications/smtp_server.py), one per test module."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
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
from tests.notifications.smtp_server import (
    SMTP_PASSWORD,
    SMTP_USER,
    Mailbox,
    SmtpServer,
    running_smtp,
)


def caller(role: str, tenant: str, user_id: str | None = None) -> Caller:
    return Caller(user_id or str(uuid.uuid4()), tenant, role, "x@example.com", "jti", 2**40, "t")


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[SmtpServer]:
    with running_smtp() as server:
        yield server


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
