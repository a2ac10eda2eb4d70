"""The audit service's tables (schema "audit"), as SQLAlchemy Core; the migration
(migrations/versions/0001_audit_log.py) is what creates them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

metadata = sa.MetaData(schema="audit")
WHEN = sa.DateTime(timezone=True)

entries = sa.Table(
    "entries",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("event_id", postgresql.UUID(as_uuid=False), nullable=False),
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
    sa.Column("details", sa.Text),
    # The SHA-256 (hex) of the fields retention drops, part of the leaf (record.py).
    sa.Column("dropped_digest", sa.Text, nullable=False),
    sa.Column("leaf_hash", sa.LargeBinary, nullable=False),
    sa.Column("pruned", sa.Boolean, nullable=False),
    sa.Column("recorded_at", WHEN, nullable=False),
)

# One row (id 1): the log's size and Merkle frontier, locked by every append.
log_head = sa.Table(
    "log_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("frontier", postgresql.ARRAY(sa.LargeBinary), nullable=False),
    sa.Column("updated_at", WHEN, nullable=False),
)

tree_heads = sa.Table(
    "tree_heads",
    metadata,
    sa.Column("tree_size", sa.BigInteger, primary_key=True),
    sa.Column("root_hash", sa.LargeBinary, nullable=False),
    sa.Column("signed_at", WHEN, nullable=False),
    sa.Column("signature", sa.LargeBinary, nullable=False),
    sa.Column("public_key", sa.LargeBinary, nullable=False),
)
