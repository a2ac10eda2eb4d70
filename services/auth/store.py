"""The auth service's tables (schema "auth"), as SQLAlchemy Core, plus credential queries.

The shapes here mirror migrations/versions/0001_initial.py; the migration is what creates
them. Secrets (refresh tokens, API keys, invitation tokens) are only ever stored hashed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection
from tablemesh.events.v1.events_pb2 import Event

from services.runtime import events

metadata = sa.MetaData(schema="auth")
UUID = postgresql.UUID(as_uuid=False)
TS = sa.DateTime(timezone=True)

tenants = sa.Table(
    "tenants",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("created_at", TS, nullable=False),
)

credentials = sa.Table(
    "credentials",
    metadata,
    sa.Column("user_id", UUID, primary_key=True),
    sa.Column("tenant_id", UUID, nullable=False),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("is_active", sa.Boolean, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
)

refresh_tokens = sa.Table(
    "refresh_tokens",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("family_id", UUID, nullable=False),
    sa.Column("user_id", UUID, nullable=False),
    sa.Column("tenant_id", UUID, nullable=False),
    sa.Column("token_hash", sa.Text, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("expires_at", TS, nullable=False),
    sa.Column("rotated_at", TS),
    sa.Column("revoked_at", TS),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("user_id", UUID, nullable=False),
    sa.Column("tenant_id", UUID, nullable=False),
    sa.Column("display_name", sa.Text, nullable=False),
    sa.Column("prefix", sa.Text, nullable=False),
    sa.Column("secret_hash", sa.Text, nullable=False),
    sa.Column("request_id", sa.Text),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("expires_at", TS),
    sa.Column("revoked_at", TS),
    sa.Column("last_used_at", TS),
)

invitations = sa.Table(
    "invitations",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("tenant_id", UUID, nullable=False),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("token_hash", sa.Text, nullable=False),
    sa.Column("inviter_id", sa.Text, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("expires_at", TS, nullable=False),
    sa.Column("accepted_at", TS),
    sa.Column("accepted_user_id", UUID),
    sa.Column("revoked_at", TS),
)

signing_keys = sa.Table(
    "signing_keys",
    metadata,
    sa.Column("kid", sa.Text, primary_key=True),
    sa.Column("algorithm", sa.Text, nullable=False),
    sa.Column("private_pem", sa.Text, nullable=False),
    sa.Column("public_jwk", postgresql.JSONB, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("retired_at", TS),
)

# Events written in the same transaction as the change they announce (the runtime relays
# them to the mesh's event stream).
outbox = events.outbox_table(metadata)


def digest(secret: str) -> str:
    """How a high-entropy secret is stored: its SHA-256, so a database leak reveals none."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Credential:
    user_id: str
    tenant_id: str
    email: str
    password_hash: str
    role: str
    is_active: bool


def _credential(row: Any) -> Credential | None:
    if row is None:
        return None
    return Credential(
        row.user_id, row.tenant_id, row.email, row.password_hash, row.role, row.is_active
    )


async def credential_by_email(conn: AsyncConnection, email: str) -> Credential | None:
    query = sa.select(credentials).where(credentials.c.email == email.lower())
    return _credential((await conn.execute(query)).first())


async def credential_by_id(conn: AsyncConnection, user_id: str) -> Credential | None:
    query = sa.select(credentials).where(credentials.c.user_id == user_id)
    return _credential((await conn.execute(query)).first())


async def emit(conn: AsyncConnection, event: Event) -> None:
    await events.emit(conn, outbox, event)
