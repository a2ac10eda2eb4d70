"""Fixtures for the audit tests: the audit schema on the test database, emptied before each
test (the log is one sequence for the whole mesh, so every test starts a log of its own),
a signing key, and events as producers make them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.events.v1.events_pb2 import Actor, ActorKind, Event, SignInActivity

from services.audit import signing
from services.runtime import events
from services.runtime.db import migrate
from services.runtime.identity import Caller


@pytest.fixture(scope="session")
def audit_schema(database_url: str) -> None:
    migrate("audit", database_url)


@pytest.fixture
async def log_engine(audit_schema: None, engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    async with engine.begin() as conn:
        await conn.execute(sa.text("TRUNCATE audit.entries, audit.tree_heads"))
        await conn.execute(sa.text("UPDATE audit.log_head SET size = 0, frontier = '{}'"))
    yield engine


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return signing.load_key(signing.new_key_text())


def admin_of(tenant: str) -> Caller:
    return Caller(str(uuid.uuid4()), tenant, "admin", "a@example.com", "jti", 2**40, "t")


def member_of(tenant: str) -> Caller:
    return Caller(str(uuid.uuid4()), tenant, "member", "m@example.com", "jti", 2**40, "t")


def signed_in(tenant: str, user: str, kind: str = "auth.signed_in") -> Event:
    actor = Actor(kind=ActorKind.ACTOR_KIND_USER, id=user, role="admin")
    event = events.new_event(
        kind,
        tenant,
        "auth",
        actor=actor,
        sign_in=SignInActivity(user_id=user, email="a@example.com", method="password"),
    )
    event.source_ip = "203.0.113.7"
    event.user_agent = "curl/8"
    return event
