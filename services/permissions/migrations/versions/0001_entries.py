"""permissions: entries (role assignments and denies) and grant request ids

Revision ID: permissions_0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "permissions_0001"
down_revision = None
branch_labels = ("permissions",)
depends_on = None

UUID = postgresql.UUID(as_uuid=False)


def upgrade() -> None:
    op.create_table(
        "entries",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("tenant_id", UUID, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("resource", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False, server_default=""),
        sa.Column("effect", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False, server_default=""),
        sa.Column("granted_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("effect IN ('allow', 'deny')", name="entries_effect"),
        schema="permissions",
    )
    # One live role per subject and resource; one live deny per subject, resource, action.
    op.create_index(
        "entries_live",
        "entries",
        ["tenant_id", "subject", "resource", "effect", "action"],
        unique=True,
        schema="permissions",
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.create_index("entries_resource", "entries", ["tenant_id", "resource"], schema="permissions")
    op.create_table(
        "grant_requests",
        sa.Column("tenant_id", UUID, primary_key=True),
        sa.Column("request_id", sa.Text, primary_key=True),
        sa.Column("entry_id", UUID, nullable=False),
        schema="permissions",
    )


def downgrade() -> None:
    op.drop_table("grant_requests", schema="permissions")
    op.drop_table("entries", schema="permissions")
