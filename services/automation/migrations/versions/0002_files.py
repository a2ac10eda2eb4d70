"""automation: files, and their bytes stored once per tenant and content

Revision ID: automation_0002
Revises: automation_0001
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "automation_0002"
down_revision = "automation_0001"
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=False)
SCHEMA = "automation"


def upgrade() -> None:
    # One row per distinct content of a tenant; its bytes are in blob_chunks.
    op.create_table(
        "blobs",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("tenant_id", UUID, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("chunk_count", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("tenant_id", "sha256", name="blobs_tenant_sha256"),
        schema=SCHEMA,
    )
    # The bytes in 256 KiB pieces, numbered from 0: written as an upload streams in, in
    # its transaction, so a refused upload leaves none.
    op.create_table(
        "blob_chunks",
        sa.Column("blob_id", UUID, primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "files",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("tenant_id", UUID, nullable=False),
        sa.Column("blob_id", UUID, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("extension", sa.Text, nullable=False),
        sa.Column("content_type", sa.Text, nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("uploaded_by", sa.Text, nullable=False),
        sa.Column("request_id", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "files_tenant_created", "files", ["tenant_id", "created_at", "id"], schema=SCHEMA
    )
    op.create_index("files_blob", "files", ["blob_id"], schema=SCHEMA)
    op.create_index(
        "files_request",
        "files",
        ["tenant_id", "request_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("request_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_table("files", schema=SCHEMA)
    op.drop_table("blob_chunks", schema=SCHEMA)
    op.drop_table("blobs", schema=SCHEMA)
