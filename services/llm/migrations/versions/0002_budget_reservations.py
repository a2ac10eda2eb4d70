"""llm: budget reservations of the model calls in progress

Revision ID: llm_0002
Revises: llm_0001
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "llm_0002"
down_revision = "llm_0001"
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=False)
MONEY = sa.Numeric(20, 10)


def upgrade() -> None:
    # What a model call may cost, held against the budgets while the call runs and
    # deleted when its real cost is recorded (services/llm/budgets.py explains why).
    op.create_table(
        "budget_reservations",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("tenant_id", UUID, nullable=False),
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("session_id", UUID, nullable=False),
        sa.Column("amount_usd", MONEY, nullable=False),
        # A reservation whose process died stops counting at this time.
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        schema="llm",
    )
    op.create_index(
        "budget_reservations_tenant",
        "budget_reservations",
        ["tenant_id", "expires_at"],
        schema="llm",
    )


def downgrade() -> None:
    op.drop_table("budget_reservations", schema="llm")
