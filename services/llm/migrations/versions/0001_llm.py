"""llm: sessions, messages, model calls and budgets

Revision ID: llm_0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "llm_0001"
down_revision = None
branch_labels = ("llm",)
depends_on = None

UUID = postgresql.UUID(as_uuid=False)
MONEY = sa.Numeric(20, 10)
NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("tenant_id", UUID, nullable=False),
        sa.Column("user_id", sa.Text, nullable=False),  # a UUID, or "service:<name>"
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("base_id", sa.Text, nullable=False, server_default=""),
        sa.Column("message_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("prompt_tokens", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("completion_tokens", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("cost_usd", MONEY, nullable=False, server_default="0"),
        sa.Column("model_calls", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        schema="llm",
    )
    op.create_index(
        "sessions_owner_created",
        "sessions",
        ["tenant_id", "user_id", "created_at", "id"],
        schema="llm",
    )
    op.create_table(
        "messages",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False, unique=True),
        sa.Column(
            "session_id", UUID, sa.ForeignKey("llm.sessions.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        # The tool calls of an assistant message (id, name, arguments, result, is_error),
        # or the one call a tool message answers.
        sa.Column("tool_calls", postgresql.JSONB, nullable=False, server_default="[]"),
        sa.Column("tool_call_id", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.CheckConstraint("role IN ('user', 'assistant', 'tool')", name="messages_role"),
        schema="llm",
    )
    op.create_index("messages_session_seq", "messages", ["session_id", "seq"], schema="llm")
    op.create_table(
        "model_calls",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("tenant_id", UUID, nullable=False),
        sa.Column("user_id", sa.Text, nullable=False),  # a UUID, or "service:<name>"
        # Not a foreign key: the spending stays accounted when a session is deleted.
        sa.Column("session_id", UUID, nullable=False),
        sa.Column("provider", sa.Text, nullable=False),
        sa.Column("model", sa.Text, nullable=False),
        sa.Column("prompt_tokens", sa.BigInteger, nullable=False),
        sa.Column("completion_tokens", sa.BigInteger, nullable=False),
        sa.Column("cost_usd", MONEY, nullable=False),
        sa.Column("priced", sa.Boolean, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        schema="llm",
    )
    op.create_index(
        "model_calls_tenant_time", "model_calls", ["tenant_id", "created_at"], schema="llm"
    )
    op.create_index(
        "model_calls_user_time", "model_calls", ["tenant_id", "user_id", "created_at"], schema="llm"
    )
    op.create_index("model_calls_session", "model_calls", ["session_id"], schema="llm")
    op.create_table(
        "budgets",
        sa.Column("tenant_id", UUID, nullable=False),
        sa.Column("scope", sa.Text, nullable=False),
        # The session id for a session budget; "" for user_daily (every user of the
        # tenant) and tenant_daily.
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("limit_usd", MONEY, nullable=False),
        sa.Column("set_by", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=NOW),
        sa.PrimaryKeyConstraint("tenant_id", "scope", "subject"),
        sa.CheckConstraint(
            "scope IN ('session', 'user_daily', 'tenant_daily')", name="budgets_scope"
        ),
        schema="llm",
    )


def downgrade() -> None:
    for table in ("budgets", "model_calls", "messages", "sessions"):
        op.drop_table(table, schema="llm")
