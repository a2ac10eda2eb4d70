"""workspaces: bases made before workspace roles governed them move into a workspace: every
tenant that has a workspace is noted with its oldest live one, and the service links the
tenant's bases that are in no workspace there (services/workspaces/adoption.py), once

Revision ID: workspaces_0004
Revises: workspaces_0003
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "workspaces_0004"
down_revision = "workspaces_0003"
branch_labels = None
depends_on = None

S = "workspaces"
UUID = postgresql.UUID(as_uuid=False)


def upgrade() -> None:
    op.create_table(
        "base_adoptions",
        sa.Column("tenant_id", UUID, primary_key=True),
        sa.Column("workspace_id", UUID, nullable=False),
        schema=S,
    )
    op.execute(
        f"""
        INSERT INTO {S}.base_adoptions (tenant_id, workspace_id)
        SELECT DISTINCT ON (tenant_id) tenant_id, id FROM {S}.workspaces
        WHERE deleted_at IS NULL ORDER BY tenant_id, created_at, id
        """
    )


def downgrade() -> None:
    op.drop_table("base_adoptions", schema=S)
