"""The platform schema's analytics tables, as SQLAlchemy Core sees them (migrations create
them: services/platform/migrations)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(schema="platform")
AMOUNT = sa.Numeric(30, 10)
STAMP = sa.DateTime(timezone=True)


def _daily(name: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("tenant_id", sa.Text, primary_key=True),
        sa.Column("metric", sa.Text, primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        # "" for what no user did (a service's work, a public call).
        sa.Column("user_id", sa.Text, primary_key=True),
        sa.Column("value", AMOUNT),
        sa.Column("updated_at", STAMP),
    )


# What the mesh measured: the event bus's figures and the API calls.
usage_daily = _daily("usage_daily")
# What clients reported about themselves (RecordEvent, RecordMetrics).
client_daily = _daily("client_daily")

table_writes_daily = sa.Table(
    "table_writes_daily",
    metadata,
    sa.Column("tenant_id", sa.Text, primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("table_id", sa.Text, primary_key=True),
    sa.Column("user_id", sa.Text, primary_key=True),
    sa.Column("base_id", sa.Text),
    sa.Column("table_name", sa.Text),
    sa.Column("writes", sa.BigInteger),
    sa.Column("updated_at", STAMP),
)

applied = sa.Table(
    "applied",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("applied_at", STAMP),
)
