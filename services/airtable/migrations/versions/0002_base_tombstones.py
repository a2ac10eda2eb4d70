"""airtable: a deleted or unlinked base keeps its row (deleted_at) as its tombstone

A saga's late CreateBase, arriving after the compensation deleted the base, must not
create it again: the kept row and its unique request id refuse it.

Revision ID: airtable_0002
Revises: airtable_0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "airtable_0002"
down_revision = "airtable_0001"
branch_labels = None
depends_on = None

SCHEMA = "airtable"


TABLES = ("bases", "linked_bases")


def upgrade() -> None:
    for table in TABLES:
        column = sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True)
        op.add_column(table, column, schema=SCHEMA)


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "deleted_at", schema=SCHEMA)
