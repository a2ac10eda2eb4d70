"""Creating accounts: Register (a new tenant) and AcceptInvitation (an existing one).

An account is a credential here plus a profile in the users service. The credential and
the `user.registered` event are written in one local transaction, so the event exists
exactly when the account does, and no transaction stays open across a call to another
service. The users service makes the profile from that event (services/users/
registrations.py), so it exists even if users was away when the account was made; Register
also asks for it at once, by the same key, so that `GET /api/v1/users/me` answers as soon
as Register has returned. The onboarding saga (workspace, sample base, welcome) follows the
same event.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from tablemesh.events.v1.events_pb2 import UserRegistered

from services.auth import audit_events
from services.auth.invitations import Invitations
from services.auth.passwords import Passwords, check_password
from services.auth.profiles import NewProfile, Profiles
from services.auth.sessions import Session, Sessions
from services.auth.store import credential_by_email, credentials, emit, tenants
from services.auth.tokens import Principal
from services.runtime import events, logs
from services.runtime.clock import now
from services.runtime.errors import AlreadyExists, DomainError, Violations
from services.runtime.validation import check_email, check_required

NAME_MAX = 100
log = logs.get("signup")
Prepare = Callable[[AsyncConnection], Awaitable[None]]


def email_taken() -> AlreadyExists:
    return AlreadyExists("email is already registered", reason="EMAIL_TAKEN")


def check_names(v: Violations, first_name: str, last_name: str) -> tuple[str, str]:
    return (
        check_required(v, "first_name", first_name, NAME_MAX),
        check_required(v, "last_name", last_name, NAME_MAX),
    )


class Signup:
    def __init__(
        self,
        engine: AsyncEngine,
        passwords: Passwords,
        sessions: Sessions,
        invitations: Invitations,
    ) -> None:
        self._engine = engine
        self._passwords = passwords
        self._sessions = sessions
        self._invitations = invitations

    async def register(self, email: str, password: str, first_name: str, last_name: str) -> Session:
        """A new tenant with the registrant as its admin. A tenant id is never accepted."""
        v = Violations()
        email = check_email(v, "email", email)
        check_password(v, "password", password)
        first, last = check_names(v, first_name, last_name)
        v.raise_if_any()
        who = Principal(str(uuid.uuid4()), str(uuid.uuid4()), email, "admin")

        async def create_tenant(conn: AsyncConnection) -> None:
            name = f"{first} {last}"
            await conn.execute(
                tenants.insert().values(id=who.tenant_id, name=name, created_at=now())
            )

        return await self._create(who, password, first, last, create_tenant, via="register")

    async def accept_invitation(
        self, token: str, password: str, first_name: str, last_name: str
    ) -> Session:
        """The invited account, in the inviter's tenant with the invitation's role."""
        v = Violations()
        if not token:
            v.add("token", "is required")
        check_password(v, "password", password)
        first, last = check_names(v, first_name, last_name)
        v.raise_if_any()
        invitation = await self._invitations.peek(token)
        who = Principal(str(uuid.uuid4()), invitation.tenant_id, invitation.email, invitation.role)

        async def claim(conn: AsyncConnection) -> None:
            await self._invitations.claim(conn, token, who.user_id)

        return await self._create(who, password, first, last, claim, via="invitation")

    async def _create(
        self, who: Principal, password: str, first: str, last: str, prepare: Prepare, via: str
    ) -> Session:
        async with self._engine.connect() as conn:
            if await credential_by_email(conn, who.email) is not None:
                raise email_taken()  # checked early so a taken email costs no argon2 hash
        password_hash = await self._passwords.hash(password)
        try:
            async with self._engine.begin() as conn:
                await prepare(conn)
                stamp = now()
                await conn.execute(
                    credentials.insert().values(
                        user_id=who.user_id,
                        tenant_id=who.tenant_id,
                        email=who.email,
                        password_hash=password_hash,
                        role=who.role,
                        is_active=True,
                        created_at=stamp,
                        updated_at=stamp,
                    )
                )
                registered = UserRegistered(
                    user_id=who.user_id,
                    email=who.email,
                    role=who.role,
                    first_name=first,
                    last_name=last,
                    via=via,
                )
                await emit(
                    conn,
                    events.new_event(
                        "user.registered", who.tenant_id, "auth", user_registered=registered
                    ),
                )
        except IntegrityError as exc:
            if "credentials_email" in str(exc.orig):
                raise email_taken() from exc  # a concurrent registration took it first
            raise
        profile = NewProfile(who.user_id, who.tenant_id, who.email, first, last, who.role)
        await make_profile_now(self._sessions.profiles, profile)
        # The new account's first session is its first sign-in (audited like a login).
        signed_in = audit_events.sign_in(
            "auth.signed_in", who.tenant_id, who.user_id, who.email, via, who.role
        )
        return await self._sessions.start(who, signed_in)


async def make_profile_now(profiles: Profiles, profile: NewProfile) -> None:
    """Asks users for the profile now; if that fails, the account stands (it is committed)
    and users makes the profile from the user.registered event when it can."""
    try:
        await profiles.create(profile)
    except (DomainError, OSError) as exc:
        log.warning(
            "profile left to the user.registered event",
            user_id=profile.user_id,
            error=type(exc).__name__,
        )
