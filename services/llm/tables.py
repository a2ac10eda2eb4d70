"""The llm schema's tables, as SQLAlchemy Core sees them (the migration creates them)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from services.runtime import events

UUID = postgresql.UUID(as_uuid=False)
MONEY = sa.Numeric(20, 10)
STAMP = sa.DateTime(timezone=True)

metadata = sa.MetaData(schema="llm")

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("tenant_id", UUID),
    sa.Column("user_id", sa.Text),
    sa.Column("title", sa.Text),
    sa.Column("base_id", sa.Text),
    sa.Column("message_count", sa.Integer),
    sa.Column("prompt_tokens", sa.BigInteger),
    sa.Column("completion_tokens", sa.BigInteger),
    sa.Column("cost_usd", MONEY),
    sa.Column("model_calls", sa.Integer),
    sa.Column("created_at", STAMP),
    sa.Column("updated_at", STAMP),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("seq", sa.BigInteger, sa.Identity()),
    sa.Column("session_id", UUID),
    sa.Column("role", sa.Text),
    sa.Column("content", sa.Text),
    sa.Column("tool_calls", postgresql.JSONB),
    sa.Column("tool_call_id", sa.Text),
    sa.Column("created_at", STAMP),
)

model_calls = sa.Table(
    "model_calls",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("tenant_id", UUID),
    sa.Column("user_id", sa.Text),
    sa.Column("session_id", UUID),
    sa.Column("provider", sa.Text),
    sa.Column("model", sa.Text),
    sa.Column("prompt_tokens", sa.BigInteger),
    sa.Column("completion_tokens", sa.BigInteger),
    sa.Column("cost_usd", MONEY),
    sa.Column("priced", sa.Boolean),
    sa.Column("latency_ms", sa.Float),
    sa.Column("created_at", STAMP),
)

budgets = sa.Table(
    "budgets",
    metadata,
    sa.Column("tenant_id", UUID),
    sa.Column("scope", sa.Text),
    sa.Column("subject", sa.Text),
    sa.Column("limit_usd", MONEY),
    sa.Column("set_by", sa.Text),
    sa.Column("updated_at", STAMP),
)

budget_reservations = sa.Table(
    "budget_reservations",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("tenant_id", UUID),
    sa.Column("user_id", sa.Text),
    sa.Column("session_id", UUID),
    sa.Column("amount_usd", MONEY),
    sa.Column("expires_at", STAMP),
)

# The events of finished chat turns (services/llm/turn_events.py), written by the turn's
# last statement.
outbox = events.outbox_table(metadata)
