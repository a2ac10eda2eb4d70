"""webhooks: endpoints, messages, attempts, and the event outbox

Revision ID: webhooks_0001
Revises:
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from services.runtime.events import create_outbox

revision = "webhooks_0001"
down_revision = None
branch_labels = ("webhooks",)
depends_on = None

S = "webhooks"
UUID = postgresql.UUID(as_uuid=False)
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "endpoints",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("tenant_id", UUID, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("event_types", postgresql.JSONB, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("disabled_reason", sa.Text, nullable=False, server_default=""),
        # AES-GCM ciphertexts (signing.Sealer), never the secrets themselves.
        sa.Column("secret", sa.LargeBinary, nullable=False),
        sa.Column("previous_secret", sa.LargeBinary),
        sa.Column("previous_secret_until", WHEN),
        sa.Column("creator_user_id", UUID, nullable=False),
        # Since when every delivery failed (cleared by a success): disables it past a limit.
        sa.Column("failing_since", WHEN),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        schema=S,
    )
    op.create_index("endpoints_tenant", "endpoints", ["tenant_id", "created_at", "id"], schema=S)
    op.create_table(
        "messages",
        # "msg_" and 32 hex digits: the webhook-id of every attempt.
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("tenant_id", UUID, nullable=False),
        sa.Column(
            "endpoint_id",
            UUID,
            sa.ForeignKey(f"{S}.endpoints.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("event_id", UUID, nullable=False),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("attempt_count", sa.Integer, nullable=False, server_default="0"),
        # Attempts since the message was made or last replayed: the schedule's position.
        sa.Column("round_attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", WHEN),
        sa.Column("lease_owner", sa.Text),
        sa.Column("lease_until", WHEN),
        sa.Column("last_error", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        # One message per event and endpoint, however often the bus delivers the event.
        sa.UniqueConstraint("endpoint_id", "event_id", name="messages_event"),
        schema=S,
    )
    op.create_index(
        "messages_due",
        "messages",
        ["next_attempt_at"],
        schema=S,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index("messages_endpoint", "messages", ["endpoint_id", "created_at", "id"], schema=S)
    op.create_table(
        "attempts",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("tenant_id", UUID, nullable=False),
        sa.Column(
            "message_id",
            sa.Text,
            sa.ForeignKey(f"{S}.messages.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("endpoint_id", UUID, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("response_status", sa.Integer, nullable=False),
        sa.Column("succeeded", sa.Boolean, nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("latency_ms", sa.Integer, nullable=False),
        sa.Column("response_body", sa.Text, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        schema=S,
    )
    op.create_index("attempts_message", "attempts", ["message_id", "number"], schema=S)
    create_outbox(op, S)


def downgrade() -> None:
    op.drop_table("event_outbox", schema=S)
    op.drop_table("attempts", schema=S)
    op.drop_table("messages", schema=S)
    op.drop_table("endpoints", schema=S)
