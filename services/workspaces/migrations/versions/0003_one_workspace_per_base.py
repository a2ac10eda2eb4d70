"""workspaces: a base is linked to one workspace at most (its roles govern the base); where a
base was linked to several, the oldest link stays

Revision ID: workspaces_0003
Revises: workspaces_0002
Create Date: 2026-12-08
"""

from alembic import op

revision = "workspaces_0003"
down_revision = "workspaces_0002"
branch_labels = None
depends_on = None

S = "workspaces"


def upgrade() -> None:
    op.execute(
        f"""
        DELETE FROM {S}.linked_bases AS l
        USING {S}.linked_bases AS older
        WHERE older.tenant_id = l.tenant_id AND older.base_id = l.base_id
          AND (older.created_at, older.workspace_id) < (l.created_at, l.workspace_id)
        """
    )
    op.create_index(
        "linked_bases_one_workspace",
        "linked_bases",
        ["tenant_id", "base_id"],
        unique=True,
        schema=S,
    )


def downgrade() -> None:
    op.drop_index("linked_bases_one_workspace", table_name="linked_bases", schema=S)
