"""llm: the event outbox (chat.turn.completed)

Revision ID: llm_0003
Revises: llm_0002
Create Date: 2026-12-14
"""

from alembic import op

from services.runtime.events import create_outbox

revision = "llm_0003"
down_revision = "llm_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_outbox(op, "llm")


def downgrade() -> None:
    op.drop_table("event_outbox", schema="llm")
