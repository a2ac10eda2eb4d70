"""workspaces: workspaces and linked bases

Revision ID: workspaces_0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "workspaces_0001"
down_revision = None
branch_labels = ("workspaces",)
depends_on = None

UUID = postgresql.UUID(as_uuid=False)


def upgrade() -> None:
    op.create_table(
        "workspaces",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("tenant_id", UUID, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("owner_user_id", sa.Text, nullable=False),
        sa.Column("request_id", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        schema="workspaces",
    )
    op.create_index(
        "workspaces_tenant_created",
        "workspaces",
        ["tenant_id", "created_at", "id"],
        schema="workspaces",
    )
    op.create_index(
        "workspaces_request",
        "workspaces",
        ["tenant_id", "request_id"],
        unique=True,
        schema="workspaces",
        postgresql_where=sa.text("request_id IS NOT NULL"),
    )
    op.create_table(
        "linked_bases",
        sa.Column("workspace_id", UUID, primary_key=True),
        sa.Column("base_id", sa.Text, primary_key=True),
        sa.Column("tenant_id", UUID, nullable=False),
        sa.Column("linked_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        schema="workspaces",
    )


def downgrade() -> None:
    op.drop_table("linked_bases", schema="workspaces")
    op.drop_table("workspaces", schema="workspaces")
