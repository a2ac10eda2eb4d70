"""The webhooks schema's tables (the migrations under migrations/ create them)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from services.runtime import events

metadata = sa.MetaData(schema="webhooks")
UUID = postgresql.UUID(as_uuid=False)
JSONB = postgresql.JSONB
WHEN = sa.DateTime(timezone=True)

endpoints = sa.Table(
    "endpoints",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("tenant_id", UUID),
    sa.Column("url", sa.Text),
    sa.Column("description", sa.Text),
    sa.Column("event_types", JSONB),
    sa.Column("enabled", sa.Boolean),
    sa.Column("disabled_reason", sa.Text),
    sa.Column("secret", sa.LargeBinary),
    sa.Column("previous_secret", sa.LargeBinary),
    sa.Column("previous_secret_until", WHEN),
    sa.Column("creator_user_id", UUID),
    sa.Column("failing_since", WHEN),
    sa.Column("created_at", WHEN),
    sa.Column("updated_at", WHEN),
)
messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("tenant_id", UUID),
    sa.Column("endpoint_id", UUID),
    sa.Column("event_id", UUID),
    sa.Column("event_type", sa.Text),
    sa.Column("payload", sa.Text),
    sa.Column("status", sa.Text),
    sa.Column("attempt_count", sa.Integer),
    sa.Column("round_attempts", sa.Integer),
    sa.Column("next_attempt_at", WHEN),
    sa.Column("lease_owner", sa.Text),
    sa.Column("lease_until", WHEN),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", WHEN),
    sa.Column("updated_at", WHEN),
)
attempts = sa.Table(
    "attempts",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("tenant_id", UUID),
    sa.Column("message_id", sa.Text),
    sa.Column("endpoint_id", UUID),
    sa.Column("number", sa.Integer),
    sa.Column("response_status", sa.Integer),
    sa.Column("succeeded", sa.Boolean),
    sa.Column("error", sa.Text),
    sa.Column("latency_ms", sa.Integer),
    sa.Column("response_body", sa.Text),
    sa.Column("created_at", WHEN),
)
outbox = events.outbox_table(metadata)
