"""automation: workflows, their executions, and the event outbox

Revision ID: automation_0001
Revises:
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from services.runtime.events import create_outbox

revision = "automation_0001"
down_revision = None
branch_labels = ("automation",)
depends_on = None

S = "automation"
UUID = postgresql.UUID(as_uuid=False)
JSONB = postgresql.JSONB
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "workflows",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("tenant_id", UUID, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("trigger_kind", sa.Text, nullable=False),
        sa.Column("trigger", JSONB, nullable=False),
        sa.Column("steps", JSONB, nullable=False),
        sa.Column("overlap_policy", sa.Text, nullable=False),
        sa.Column("creator_user_id", UUID, nullable=False),
        sa.Column("request_id", sa.Text),
        # The next schedule tick (schedule triggers only), claimed with SKIP LOCKED.
        sa.Column("next_fire_at", WHEN),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.UniqueConstraint("tenant_id", "request_id", name="workflows_request"),
        schema=S,
    )
    op.create_index("workflows_tenant", "workflows", ["tenant_id", "created_at", "id"], schema=S)
    op.create_index(
        "workflows_due",
        "workflows",
        ["next_fire_at"],
        schema=S,
        postgresql_where=sa.text("next_fire_at IS NOT NULL"),
    )
    op.create_table(
        "executions",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("tenant_id", UUID, nullable=False),
        sa.Column(
            "workflow_id",
            UUID,
            sa.ForeignKey(f"{S}.workflows.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("trigger_type", sa.Text, nullable=False),
        sa.Column("trigger_data", JSONB, nullable=False),
        sa.Column("steps", JSONB, nullable=False),
        sa.Column("error", sa.Text, nullable=False, server_default=""),
        sa.Column("depth", sa.Integer, nullable=False, server_default="0"),
        # What started it, unique per workflow: a manual request id, "schedule:<tick>",
        # "event:<event id>:<record id>": the same start never makes two executions.
        sa.Column("request_id", sa.Text, nullable=False),
        sa.Column("due_at", WHEN),
        sa.Column("lease_owner", sa.Text),
        sa.Column("lease_until", WHEN),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("ended_at", WHEN),
        sa.UniqueConstraint("workflow_id", "request_id", name="executions_request"),
        schema=S,
    )
    op.create_index(
        "executions_workflow", "executions", ["workflow_id", "created_at", "id"], schema=S
    )
    op.create_index(
        "executions_active",
        "executions",
        ["status", "due_at"],
        schema=S,
        postgresql_where=sa.text("status IN ('queued', 'running', 'waiting')"),
    )
    create_outbox(op, S)


def downgrade() -> None:
    op.drop_table("event_outbox", schema=S)
    op.drop_table("executions", schema=S)
    op.drop_table("workflows", schema=S)
