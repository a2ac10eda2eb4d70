"""airtable: bases, tables, records of the local backend, and links to real Airtable bases

Revision ID: airtable_0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "airtable_0001"
down_revision = None
branch_labels = ("airtable",)
depends_on = None

SCHEMA = "airtable"


def _stamp() -> sa.Column[object]:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "bases",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("tenant_id", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("request_id", sa.Text, nullable=True),
        _stamp(),
        schema=SCHEMA,
    )
    op.create_index("bases_tenant", "bases", ["tenant_id", "created_at", "id"], schema=SCHEMA)
    op.create_index(
        "bases_request",
        "bases",
        ["tenant_id", "request_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("request_id IS NOT NULL"),
    )
    op.create_table(
        "tables",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("tenant_id", sa.Text, nullable=False),
        sa.Column(
            "base_id",
            sa.Text,
            sa.ForeignKey(f"{SCHEMA}.bases.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("position", sa.Integer, nullable=False),
        # [{"id", "name", "type", "description", "options"}, ...], the first is primary.
        sa.Column("fields", postgresql.JSONB, nullable=False),
        # [{"id", "name", "type", "filter", "sort", "fields"}, ...]
        sa.Column("views", postgresql.JSONB, nullable=False),
        _stamp(),
        sa.UniqueConstraint("base_id", "name", name="tables_base_name"),
        schema=SCHEMA,
    )
    op.create_table(
        "records",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("tenant_id", sa.Text, nullable=False),
        sa.Column(
            "table_id",
            sa.Text,
            sa.ForeignKey(f"{SCHEMA}.tables.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("fields", postgresql.JSONB, nullable=False),
        sa.Column("request_id", sa.Text, nullable=True),
        # Position within the request batch, so idempotent replays keep the order given.
        sa.Column("batch_index", sa.Integer, nullable=False, server_default="0"),
        _stamp(),
        schema=SCHEMA,
    )
    op.create_index("records_table", "records", ["table_id", "created_at", "id"], schema=SCHEMA)
    op.create_index(
        "records_request",
        "records",
        ["tenant_id", "table_id", "request_id"],
        schema=SCHEMA,
        postgresql_where=sa.text("request_id IS NOT NULL"),
    )
    # The airtable backend: which tenant owns which real Airtable base.
    op.create_table(
        "linked_bases",
        sa.Column("base_id", sa.Text, primary_key=True),
        sa.Column("tenant_id", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("request_id", sa.Text, nullable=True),
        _stamp(),
        schema=SCHEMA,
    )
    op.create_index(
        "linked_tenant", "linked_bases", ["tenant_id", "created_at", "base_id"], schema=SCHEMA
    )
    op.create_index(
        "linked_request",
        "linked_bases",
        ["tenant_id", "request_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("request_id IS NOT NULL"),
    )
    # The airtable backend's CreateRecords idempotency: the first answer, replayed.
    op.create_table(
        "record_requests",
        sa.Column("tenant_id", sa.Text, primary_key=True),
        sa.Column("table_id", sa.Text, primary_key=True),
        sa.Column("request_id", sa.Text, primary_key=True),
        sa.Column("records", postgresql.JSONB, nullable=False),
        _stamp(),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for name in ("record_requests", "linked_bases", "records", "tables", "bases"):
        op.drop_table(name, schema=SCHEMA)
