"""permissions: resource parents (a base inside its workspace), so roles held on the parent
hold on the child too

Revision ID: permissions_0003
Revises: permissions_0002
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "permissions_0003"
down_revision = "permissions_0002"
branch_labels = None
depends_on = None

S = "permissions"


def upgrade() -> None:
    # At most one parent per child (the key); the index answers "the children of a parent"
    # (lookups, and the links a deleted parent leaves behind).
    op.create_table(
        "parents",
        sa.Column("tenant_id", postgresql.UUID(as_uuid=False), primary_key=True),
        sa.Column("child", sa.Text, primary_key=True),
        sa.Column("parent", sa.Text, nullable=False),
        sa.Column("set_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        schema=S,
    )
    op.create_index("parents_parent", "parents", ["tenant_id", "parent"], schema=S)


def downgrade() -> None:
    op.drop_table("parents", schema=S)
