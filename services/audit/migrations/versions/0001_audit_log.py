"""audit: the log's entries, its head (size and Merkle frontier) and its signed tree heads

Revision ID: audit_0001
Revises:
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "audit_0001"
down_revision = None
branch_labels = ("audit",)
depends_on = None

S = "audit"
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "entries",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("event_id", postgresql.UUID(as_uuid=False), nullable=False, unique=True),
        sa.Column("tenant_id", sa.Text, nullable=False),
        sa.Column("time", WHEN, nullable=False),
        sa.Column("actor_kind", sa.Text, nullable=False),
        sa.Column("actor_id", sa.Text, nullable=False),
        sa.Column("actor_role", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("resource", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("source_ip", sa.Text, nullable=False),
        sa.Column("user_agent", sa.Text, nullable=False),
        sa.Column("request_id", sa.Text, nullable=False),
        # The payload as canonical JSON text (hashed as stored); NULL once pruned.
        sa.Column("details", sa.Text),
        # The SHA-256 (hex) of the fields retention drops, part of the leaf hash.
        sa.Column("dropped_digest", sa.Text, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary, nullable=False),
        sa.Column("pruned", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("recorded_at", WHEN, nullable=False),
        schema=S,
    )
    op.create_index("entries_tenant_time", "entries", ["tenant_id", "time", "seq"], schema=S)
    op.create_index(
        "entries_unpruned_time",
        "entries",
        ["time"],
        schema=S,
        postgresql_where=sa.text("NOT pruned"),
    )
    op.create_table(
        "log_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        # The roots of the perfect subtrees of the tree, largest first (merkle.Frontier).
        sa.Column("frontier", postgresql.ARRAY(sa.LargeBinary), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        schema=S,
    )
    op.execute(
        f"INSERT INTO {S}.log_head (id, size, frontier, updated_at) VALUES (1, 0, '{{}}', now())"
    )
    op.create_table(
        "tree_heads",
        sa.Column("tree_size", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("root_hash", sa.LargeBinary, nullable=False),
        sa.Column("signed_at", WHEN, nullable=False),
        sa.Column("signature", sa.LargeBinary, nullable=False),
        sa.Column("public_key", sa.LargeBinary, nullable=False),
        schema=S,
    )


def downgrade() -> None:
    for table in ("tree_heads", "log_head", "entries"):
        op.drop_table(table, schema=S)
