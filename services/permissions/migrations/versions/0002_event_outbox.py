"""permissions: the shared runtime's event outbox (its audited changes announce themselves in the
transaction that makes them)

Revision ID: permissions_0002
Revises: permissions_0001
Create Date: 2026-12-07
"""

from alembic import op

from services.runtime.events import OUTBOX, create_outbox

revision = "permissions_0002"
down_revision = "permissions_0001"
branch_labels = None
depends_on = None

S = "permissions"


def upgrade() -> None:
    create_outbox(op, S)


def downgrade() -> None:
    op.drop_table(OUTBOX, schema=S)
