"""platform: the analytics rollups (per tenant, user, day) and the marks of applied batches

Revision ID: platform_0001
Revises:
Create Date: 2026-12-14
"""

import sqlalchemy as sa
from alembic import op

revision = "platform_0001"
down_revision = None
branch_labels = ("platform",)
depends_on = None

SCHEMA = "platform"
AMOUNT = sa.Numeric(30, 10)
STAMP = sa.DateTime(timezone=True)


def _daily(name: str) -> None:
    """A daily figure per (tenant, user, day, metric); user "" is the tenant's own."""
    op.create_table(
        name,
        sa.Column("tenant_id", sa.Text, primary_key=True),
        sa.Column("metric", sa.Text, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("user_id", sa.Text, primary_key=True),
        sa.Column("value", AMOUNT, nullable=False),
        sa.Column("updated_at", STAMP, nullable=False),
        schema=SCHEMA,
    )
    op.create_index(f"{name}_tenant_day", name, ["tenant_id", "day"], schema=SCHEMA)


def upgrade() -> None:
    # What the mesh measured (the event bus, the services' call counters).
    _daily("usage_daily")
    # What clients reported about themselves, kept apart so they cannot touch the above.
    _daily("client_daily")
    op.create_table(
        "table_writes_daily",
        sa.Column("tenant_id", sa.Text, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("table_id", sa.Text, primary_key=True),
        sa.Column("user_id", sa.Text, primary_key=True),
        sa.Column("base_id", sa.Text, nullable=False),
        sa.Column("table_name", sa.Text, nullable=False),
        sa.Column("writes", sa.BigInteger, nullable=False),
        sa.Column("updated_at", STAMP, nullable=False),
        schema=SCHEMA,
    )
    # One row per event or call-count batch already added to the rollups: a redelivery
    # finds its mark and adds nothing. Pruned after the bus's dedupe window.
    op.create_table(
        "applied",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("applied_at", STAMP, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("applied_at", "applied", ["applied_at"], schema=SCHEMA)


def downgrade() -> None:
    for name in ("applied", "table_writes_daily", "client_daily", "usage_daily"):
        op.drop_table(name, schema=SCHEMA)
