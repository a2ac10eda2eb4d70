"""Register and AcceptInvitation: one consistent account across auth and users."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.events.v1.events_pb2 import ActorKind

from services.auth.app import Auth
from services.auth.store import credentials, invitations, outbox, tenants
from services.runtime import events
from services.runtime.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
)
from services.runtime.identity import TokenVerifier
from tests.auth.conftest import FakeProfiles, caller_of, new_email, sign_up


async def _count(engine: AsyncEngine, table: sa.Table, where: sa.ColumnElement[bool]) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).where(where))).scalar_one())


async def test_register_creates_a_tenant_admin_everywhere(
    auth: Auth, engine: AsyncEngine, profiles: FakeProfiles, verifier: TokenVerifier
) -> None:
    email = new_email()
    session = await auth.signup.register(email.upper(), "long enough", " Ada ", "Lovelace")
    who = session.principal
    assert (who.email, who.role) == (email, "admin")
    assert await _count(engine, tenants, tenants.c.id == who.tenant_id) == 1
    assert await _count(engine, credentials, credentials.c.user_id == who.user_id) == 1
    [profile] = profiles.created
    assert (profile.user_id, profile.tenant_id, profile.role) == (
        who.user_id,
        who.tenant_id,
        "admin",
    )
    assert (profile.first_name, profile.email) == ("Ada", email)
    async with engine.connect() as conn:
        bodies = (
            await conn.execute(
                sa.select(outbox.c.body)
                .where(outbox.c.body.contains(who.user_id))
                .order_by(outbox.c.id)
            )
        ).scalars()
        event, signed_in = [events.from_json(b) for b in bodies]
    # The first session is audited as a sign-in, in the session's own transaction.
    assert (signed_in.type, signed_in.sign_in.method) == ("auth.signed_in", "register")
    assert (event.type, event.tenant_id, event.source) == ("user.registered", who.tenant_id, "auth")
    assert (event.user_registered.user_id, event.user_registered.via) == (who.user_id, "register")
    assert event.actor.kind == ActorKind.ACTOR_KIND_ANONYMOUS
    caller = await caller_of(verifier, session)
    assert (caller.user_id, caller.tenant_id, caller.role) == (who.user_id, who.tenant_id, "admin")
    assert session.refresh_token.startswith("tmr_")


async def test_register_lists_every_violation_and_stores_nothing(
    auth: Auth, profiles: FakeProfiles
) -> None:
    with pytest.raises(InvalidArgument) as err:
        await auth.signup.register("not-an-email", "short", "", "  ")
    assert [f for f, _ in err.value.violations] == ["email", "password", "first_name", "last_name"]
    assert profiles.created == []


async def test_taken_email_is_409_and_changes_nothing(
    auth: Auth, engine: AsyncEngine, profiles: FakeProfiles
) -> None:
    email = new_email()
    await sign_up(auth, email)
    with pytest.raises(AlreadyExists, match="email is already registered"):
        await sign_up(auth, email.upper())
    assert len(profiles.created) == 1
    assert await _count(engine, credentials, credentials.c.email == email) == 1


async def test_the_account_stands_when_users_is_away(
    auth: Auth, engine: AsyncEngine, profiles: FakeProfiles
) -> None:
    """The profile is then made from the event (tests/users/test_registrations.py)."""
    profiles.fail_create = True
    email = new_email()
    session = await sign_up(auth, email)
    assert [p.user_id for p in profiles.created] == [session.principal.user_id]
    assert await _count(engine, credentials, credentials.c.email == email) == 1
    async with engine.connect() as conn:
        body = await conn.execute(
            sa.select(outbox.c.body).where(
                outbox.c.body.contains(email), outbox.c.type == "user.registered"
            )
        )
        event = events.from_json(body.scalar_one())
    assert (event.user_registered.user_id, event.user_registered.email) == (
        session.principal.user_id,
        email,
    )
    with pytest.raises(AlreadyExists):
        await sign_up(auth, email)  # the email is taken: the account exists


async def _invite(
    auth: Auth, verifier: TokenVerifier, role: str = "member"
) -> tuple[str, str, str]:
    """(token, invited email, inviting tenant)"""
    admin = await caller_of(verifier, await sign_up(auth))
    email = new_email()
    _, token = await auth.invitations.create(admin, email, role, 0)
    return token, email, admin.tenant_id


async def test_invitation_joins_the_inviters_tenant_once(
    auth: Auth, engine: AsyncEngine, verifier: TokenVerifier
) -> None:
    token, email, tenant_id = await _invite(auth, verifier, role="viewer")
    session = await auth.signup.accept_invitation(token, "long enough", "Grace", "Hopper")
    assert session.principal.tenant_id == tenant_id
    assert (session.principal.email, session.principal.role) == (email, "viewer")
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(invitations).where(invitations.c.email == email))).one()
    assert row.accepted_user_id == session.principal.user_id
    with pytest.raises(FailedPrecondition, match="accepted"):
        await auth.signup.accept_invitation(token, "long enough", "Grace", "Hopper")


async def test_invitation_failures(
    auth: Auth, engine: AsyncEngine, verifier: TokenVerifier
) -> None:
    with pytest.raises(NotFound):
        await auth.signup.accept_invitation("tmi_unknown", "long enough", "A", "B")
    with pytest.raises(InvalidArgument) as err:
        await auth.signup.accept_invitation("", "short", "A", "")
    assert [f for f, _ in err.value.violations] == ["token", "password", "last_name"]

    token, email, _ = await _invite(auth, verifier)
    async with engine.begin() as conn:
        await conn.execute(
            invitations.update()
            .where(invitations.c.email == email)
            .values(expires_at=sa.func.now() - sa.text("interval '1 second'"))
        )
    with pytest.raises(FailedPrecondition, match="expired"):
        await auth.signup.accept_invitation(token, "long enough", "A", "B")
