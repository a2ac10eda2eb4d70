"""The notifications schema's tables, as SQLAlchemy Core sees them (the migration in
migrations/versions/ is what creates them)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData(schema="notifications")
UUID = postgresql.UUID(as_uuid=False)
WHEN = sa.DateTime(timezone=True)

notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("tenant_id", UUID),
    sa.Column("recipient_user_id", UUID),
    sa.Column("recipient_email", sa.Text),
    sa.Column("channels", postgresql.ARRAY(sa.Text)),
    *(sa.Column(name, sa.Text) for name in ("template", "subject", "body", "request_id")),
    *(sa.Column(name, WHEN) for name in ("created_at", "read_at", "deleted_at")),
)
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("notification_id", UUID),
    sa.Column("tenant_id", UUID),
    *(sa.Column(name, sa.Text) for name in ("to_address", "subject", "body", "state")),
    sa.Column("attempts", sa.Integer),
    *(sa.Column(name, WHEN) for name in ("next_attempt_at", "lease_until", "created_at")),
    sa.Column("last_error", sa.Text),
    sa.Column("sent_at", WHEN),
)
delivery_attempts = sa.Table(
    "delivery_attempts",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("outbox_id", UUID),
    sa.Column("attempted_at", WHEN),
    sa.Column("ok", sa.Boolean),
    sa.Column("error", sa.Text),
)
tenant_templates = sa.Table(
    "templates",
    metadata,
    sa.Column("tenant_id", UUID, primary_key=True),
    sa.Column("name", sa.Text, primary_key=True),
    *(sa.Column(name, sa.Text) for name in ("subject", "body", "request_id")),
    *(sa.Column(name, WHEN) for name in ("created_at", "updated_at")),
)
