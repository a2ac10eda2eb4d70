"""workspaces: a link remembers when the permissions service learnt of it (placed_at), so
the start-up reconciliation places only the links whose placement never succeeded instead
of every link of every tenant at each start

Revision ID: workspaces_0005
Revises: workspaces_0004
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "workspaces_0005"
down_revision = "workspaces_0004"
branch_labels = None
depends_on = None

S = "workspaces"


def upgrade() -> None:
    # Links from before are NULL: the first start after the upgrade places each once.
    op.add_column("linked_bases", sa.Column("placed_at", sa.DateTime(timezone=True)), schema=S)
    op.create_index(
        "linked_bases_unplaced",
        "linked_bases",
        ["created_at", "base_id"],
        schema=S,
        postgresql_where=sa.text("placed_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("linked_bases_unplaced", "linked_bases", schema=S)
    op.drop_column("linked_bases", "placed_at", schema=S)
