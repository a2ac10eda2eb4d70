"""users: a profile's email is auth's copy, not a second authority

Auth decides that an email has one account (its credentials are unique by email) and
users makes the profile from auth's user.registered event. A unique index here too could
only refuse a profile for an account auth had already made, leaving an account without a
profile; the email index stays for lookups, not unique.

Revision ID: users_0002
Revises: users_0001
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "users_0002"
down_revision = "users_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("profiles_email", table_name="profiles", schema="users")
    op.create_index("profiles_email", "profiles", [sa.text("lower(email)")], schema="users")


def downgrade() -> None:
    op.drop_index("profiles_email", table_name="profiles", schema="users")
    op.create_index(
        "profiles_email", "profiles", [sa.text("lower(email)")], unique=True, schema="users"
    )
