"""users: the shared runtime's event outbox (its audited changes announce themselves in the
transaction that makes them)

Revision ID: users_0003
Revises: users_0002
Create Date: 2026-12-07
"""

from alembic import op

from services.runtime.events import OUTBOX, create_outbox

revision = "users_0003"
down_revision = "users_0002"
branch_labels = None
depends_on = None

S = "users"


def upgrade() -> None:
    create_outbox(op, S)


def downgrade() -> None:
    op.drop_table(OUTBOX, schema=S)
