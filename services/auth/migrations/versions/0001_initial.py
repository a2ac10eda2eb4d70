"""auth: tenants, credentials, refresh tokens, API keys, invitations, signing keys, outbox

Revision ID: auth_0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "auth_0001"
down_revision = None
# Each service's history is its own branch, so revision ids never clash across services.
branch_labels = ("auth",)
depends_on = None

S = "auth"
UUID = postgresql.UUID(as_uuid=False)
TS = sa.DateTime(timezone=True)
ROLE_CHECK = "role IN ('admin', 'member', 'viewer')"


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        schema=S,
    )
    op.create_table(
        "credentials",
        sa.Column("user_id", UUID, primary_key=True),
        sa.Column("tenant_id", UUID, sa.ForeignKey(f"{S}.tenants.id"), nullable=False),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint(ROLE_CHECK, name="credentials_role"),
        sa.CheckConstraint("email = lower(email)", name="credentials_email_lower"),
        schema=S,
    )
    op.create_index("credentials_email", "credentials", ["email"], unique=True, schema=S)
    op.create_index("credentials_tenant", "credentials", ["tenant_id"], schema=S)

    op.create_table(
        "refresh_tokens",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("family_id", UUID, nullable=False),
        sa.Column(
            "user_id",
            UUID,
            sa.ForeignKey(f"{S}.credentials.user_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("tenant_id", UUID, nullable=False),
        sa.Column("token_hash", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("rotated_at", TS, nullable=True),
        sa.Column("revoked_at", TS, nullable=True),
        schema=S,
    )
    op.create_index("refresh_tokens_hash", "refresh_tokens", ["token_hash"], unique=True, schema=S)
    op.create_index("refresh_tokens_family", "refresh_tokens", ["family_id"], schema=S)
    op.create_index("refresh_tokens_user", "refresh_tokens", ["user_id"], schema=S)

    op.create_table(
        "api_keys",
        sa.Column("id", UUID, primary_key=True),
        sa.Column(
            "user_id",
            UUID,
            sa.ForeignKey(f"{S}.credentials.user_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("tenant_id", UUID, nullable=False),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("prefix", sa.Text, nullable=False),
        sa.Column("secret_hash", sa.Text, nullable=False),
        sa.Column("request_id", sa.Text, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=True),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("last_used_at", TS, nullable=True),
        schema=S,
    )
    op.create_index("api_keys_secret", "api_keys", ["secret_hash"], unique=True, schema=S)
    op.create_index("api_keys_owner", "api_keys", ["user_id", "created_at", "id"], schema=S)
    op.create_index(
        "api_keys_request",
        "api_keys",
        ["user_id", "request_id"],
        unique=True,
        schema=S,
        postgresql_where=sa.text("request_id IS NOT NULL"),
    )

    op.create_table(
        "invitations",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("tenant_id", UUID, sa.ForeignKey(f"{S}.tenants.id"), nullable=False),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("token_hash", sa.Text, nullable=False),
        sa.Column("inviter_id", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("accepted_at", TS, nullable=True),
        sa.Column("accepted_user_id", UUID, nullable=True),
        sa.Column("revoked_at", TS, nullable=True),
        sa.CheckConstraint(ROLE_CHECK, name="invitations_role"),
        schema=S,
    )
    op.create_index("invitations_token", "invitations", ["token_hash"], unique=True, schema=S)
    op.create_index(
        "invitations_tenant", "invitations", ["tenant_id", "created_at", "id"], schema=S
    )

    op.create_table(
        "signing_keys",
        sa.Column("kid", sa.Text, primary_key=True),
        sa.Column("algorithm", sa.Text, nullable=False),
        sa.Column("private_pem", sa.Text, nullable=False),
        sa.Column("public_jwk", postgresql.JSONB, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("retired_at", TS, nullable=True),
        schema=S,
    )

    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("payload", postgresql.JSONB, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("published_at", TS, nullable=True),
        schema=S,
    )
    op.create_index(
        "outbox_unpublished",
        "outbox",
        ["id"],
        schema=S,
        postgresql_where=sa.text("published_at IS NULL"),
    )


def downgrade() -> None:
    for table in (
        "outbox",
        "signing_keys",
        "invitations",
        "api_keys",
        "refresh_tokens",
        "credentials",
        "tenants",
    ):
        op.drop_table(table, schema=S)
