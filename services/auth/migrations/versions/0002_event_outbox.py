"""auth: the shared runtime's event outbox replaces auth's own (topic + JSON payload)

Unpublished rows of the old outbox become typed events in the new one, so an upgrade
between a registration and its relay still onboards the new tenant.

Revision ID: auth_0002
Revises: auth_0001
Create Date: 2026-12-07
"""

import uuid

import sqlalchemy as sa
from alembic import op
from tablemesh.events.v1.events_pb2 import Actor, ActorKind, Event, UserRegistered

from services.runtime.events import create_outbox, outbox_table, to_json

revision = "auth_0002"
down_revision = "auth_0001"
branch_labels = None
depends_on = None

S = "auth"
PROFILE_KEYS = ("user_id", "email", "role", "first_name", "last_name", "via")


def upgrade() -> None:
    create_outbox(op, S)
    old = sa.table(
        "outbox",
        sa.column("topic"),
        sa.column("payload"),
        sa.column("created_at"),
        sa.column("published_at"),
        schema=S,
    )
    conn = op.get_bind()
    pending = conn.execute(
        sa.select(old.c.topic, old.c.payload, old.c.created_at).where(
            old.c.published_at.is_(None), old.c.topic == "user.registered"
        )
    ).all()
    new = outbox_table(sa.MetaData(schema=S))
    for row in pending:
        payload = {k: str(row.payload.get(k) or "") for k in PROFILE_KEYS}
        event = Event(
            id=str(uuid.uuid4()),
            type=row.topic,
            tenant_id=str(row.payload["tenant_id"]),
            actor=Actor(kind=ActorKind.ACTOR_KIND_ANONYMOUS),
            source="auth",
            user_registered=UserRegistered(**payload),
        )
        event.time.FromDatetime(row.created_at)
        conn.execute(
            new.insert().values(
                event_id=event.id, type=event.type, body=to_json(event), created_at=row.created_at
            )
        )
    op.drop_table("outbox", schema=S)


def downgrade() -> None:
    raise NotImplementedError("auth_0002 is not reversible: events are typed from here on")
