"""notifications: notifications, email outbox, delivery attempts, tenant templates

Revision ID: notifications_0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "notifications_0001"
down_revision = None
branch_labels = ("notifications",)
depends_on = None

UUID = postgresql.UUID(as_uuid=False)
WHEN = sa.DateTime(timezone=True)
SCHEMA = "notifications"


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("tenant_id", UUID, nullable=False),
        sa.Column("recipient_user_id", UUID, nullable=True),
        sa.Column("recipient_email", sa.Text, nullable=False, server_default=""),
        sa.Column("channels", postgresql.ARRAY(sa.Text), nullable=False),
        sa.Column("template", sa.Text, nullable=False, server_default=""),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("request_id", sa.Text, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("read_at", WHEN, nullable=True),
        sa.Column("deleted_at", WHEN, nullable=True),
        schema=SCHEMA,
    )
    op.create_index(
        "notifications_request",
        "notifications",
        ["tenant_id", "request_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("request_id IS NOT NULL"),
    )
    op.create_index(
        "notifications_inbox",
        "notifications",
        ["tenant_id", "recipient_user_id", sa.text("created_at DESC"), sa.text("id DESC")],
        schema=SCHEMA,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", UUID, primary_key=True),
        sa.Column(
            "notification_id",
            UUID,
            sa.ForeignKey(f"{SCHEMA}.notifications.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("tenant_id", UUID, nullable=False),
        sa.Column("to_address", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", WHEN, nullable=True),
        sa.Column("lease_until", WHEN, nullable=True),
        sa.Column("last_error", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("sent_at", WHEN, nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'sending', 'sent', 'failed', 'dead', 'cancelled')",
            name="outbox_state",
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "outbox_due",
        "outbox",
        ["next_attempt_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("state IN ('pending', 'failed', 'sending')"),
    )
    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column(
            "outbox_id",
            UUID,
            sa.ForeignKey(f"{SCHEMA}.outbox.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("attempted_at", WHEN, nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("error", sa.Text, nullable=False, server_default=""),
        schema=SCHEMA,
    )
    op.create_table(
        "templates",
        sa.Column("tenant_id", UUID, primary_key=True),
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("request_id", sa.Text, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("templates", "delivery_attempts", "outbox", "notifications"):
        op.drop_table(table, schema=SCHEMA)
