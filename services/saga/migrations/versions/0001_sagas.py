"""saga: the durable saga log (sagas and their steps)

Revision ID: saga_0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "saga_0001"
down_revision = None
branch_labels = ("saga",)
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sagas",
        sa.Column("id", postgresql.UUID(as_uuid=False), primary_key=True),
        sa.Column("tenant_id", postgresql.UUID(as_uuid=False), nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("input", postgresql.JSONB, nullable=False),
        sa.Column("error", sa.Text, nullable=False, server_default=""),
        sa.Column("request_id", sa.Text, nullable=True),
        sa.Column("cancel_requested", sa.Boolean, nullable=False, server_default=sa.false()),
        # The orchestrator process running the saga, and until when its claim holds.
        sa.Column("owner", sa.Text, nullable=True),
        sa.Column("lease_until", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        schema="saga",
    )
    op.create_index(
        "sagas_request",
        "sagas",
        ["tenant_id", "request_id"],
        unique=True,
        schema="saga",
        postgresql_where=sa.text("request_id IS NOT NULL"),
    )
    op.create_index(
        "sagas_tenant_created", "sagas", ["tenant_id", "created_at", "id"], schema="saga"
    )
    op.create_index(
        "sagas_unfinished",
        "sagas",
        ["lease_until"],
        schema="saga",
        postgresql_where=sa.text("state IN ('running', 'compensating')"),
    )
    op.create_table(
        "saga_steps",
        sa.Column(
            "saga_id",
            postgresql.UUID(as_uuid=False),
            sa.ForeignKey("saga.sagas.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("result", postgresql.JSONB, nullable=True),
        sa.Column("error", sa.Text, nullable=False, server_default=""),
        # True when the last failure may have taken effect (deadline, unavailable).
        sa.Column("ambiguous", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("compensation_attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("started_at", TS, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        schema="saga",
    )


def downgrade() -> None:
    op.drop_table("saga_steps", schema="saga")
    op.drop_table("sagas", schema="saga")
