"""airtable: the event outbox (record, table, field and base events)

Revision ID: airtable_0003
Revises: airtable_0002
Create Date: 2026-12-07
"""

from alembic import op

from services.runtime.events import create_outbox

revision = "airtable_0003"
down_revision = "airtable_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_outbox(op, "airtable")


def downgrade() -> None:
    op.drop_table("event_outbox", schema="airtable")
