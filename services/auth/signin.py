"""Signing in and out: Login, RefreshToken, Logout, ChangePassword."""

from __future__ import annotations

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.events.v1.events_pb2 import Event

from services.auth import audit_events
from services.auth.passwords import MAX_LENGTH, Passwords, check_password
from services.auth.sessions import Session, Sessions
from services.auth.store import (
    Credential,
    credential_by_email,
    credential_by_id,
    credentials,
    emit,
    outbox,
)
from services.auth.throttle import LoginThrottle
from services.auth.tokens import deny
from services.runtime import events, logs
from services.runtime.clock import now
from services.runtime.errors import (
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Violations,
    invalid,
)
from services.runtime.event_spool import EventSpool
from services.runtime.identity import Caller, TokenRevocation
from services.runtime.validation import check_email, is_uuid

log = logs.get("signin")


def bad_credentials() -> Unauthenticated:
    # One error for unknown email and wrong password, so it reveals no accounts.
    return Unauthenticated("invalid email or password", reason="INVALID_CREDENTIALS")


def normalize_email(email: str) -> str:
    """The stored form of an address; anything unparsable is just lower-cased."""
    v = Violations()
    normalized = check_email(v, "email", email.strip())
    return email.strip().lower() if v.items else normalized


class Signin:
    def __init__(
        self,
        engine: AsyncEngine,
        redis: Redis,
        passwords: Passwords,
        sessions: Sessions,
        throttle: LoginThrottle,
        revocation: TokenRevocation,
        spool: EventSpool,
    ) -> None:
        self._engine = engine
        self._redis = redis
        self._passwords = passwords
        self._sessions = sessions
        self._throttle = throttle
        self._revocation = revocation
        # Failed sign-ins are announced through it, off the answer's path.
        self._spool = spool

    async def login(self, email: str, password: str) -> Session:
        v = Violations()
        if not email.strip():
            v.add("email", "is required")
        if not password:
            v.add("password", "is required")
        v.raise_if_any()
        email = normalize_email(email)
        await self._throttle.check(email)
        async with self._engine.connect() as conn:
            credential = await credential_by_email(conn, email)
        stored = credential.password_hash if credential else None
        # No account has a password this long: skip hashing a huge input.
        ok = len(password) <= MAX_LENGTH and await self._passwords.verify(stored, password)
        if credential is None or not ok:
            await self._throttle.failed(email)
            self._failed(credential, email, "INVALID_CREDENTIALS")
            raise bad_credentials()
        await self._throttle.succeeded(email)
        try:
            who = await self._sessions.admit(credential)
        except PermissionDenied as refused:
            self._failed(credential, email, refused.reason)
            raise
        if self._passwords.needs_rehash(credential.password_hash):
            await self._set_password(credential.user_id, password)
        signed_in = audit_events.sign_in(
            "auth.signed_in", who.tenant_id, who.user_id, who.email, "password", who.role
        )
        session = await self._sessions.start(who, signed_in)
        try:
            await self._sessions.profiles.record_login(who.user_id, who.tenant_id)
        except Exception as exc:  # noqa: BLE001 - a missing last-login stamp is no reason to fail
            log.warning("could not record login", user_id=who.user_id, error=type(exc).__name__)
        return session

    def _failed(self, credential: Credential | None, email: str, reason: str) -> None:
        """Announces a failed sign-in: in the account's tenant, or in none (an address
        without an account)."""
        tenant = credential.tenant_id if credential else ""
        user = credential.user_id if credential else ""
        self._spool.add(
            audit_events.sign_in(
                "auth.sign_in_failed", tenant, user, email, "password", reason=reason
            )
        )

    async def refresh(self, refresh_token: str) -> Session:
        if not refresh_token:
            raise invalid("refresh_token", "is required")
        found = await self._sessions.refresh.family_of(refresh_token)
        if found is None:
            raise Unauthenticated("the refresh token is not valid", reason="REFRESH_INVALID")
        family_id, user_id = found
        async with self._engine.connect() as conn:
            credential = await credential_by_id(conn, user_id)
        # Admission is decided before rotating, so a failure here (users unreachable)
        # leaves the presented token usable for the client's retry.
        try:
            if credential is None:
                raise PermissionDenied("account is disabled", reason="ACCOUNT_DISABLED")
            who = await self._sessions.admit(credential)
        except PermissionDenied:
            await self._sessions.refresh.revoke_family(family_id)
            raise
        rotated = await self._sessions.refresh.rotate(refresh_token)
        return Session(who, await self._sessions.access.sign(who), rotated.token)

    async def logout(self, caller: Caller, refresh_token: str) -> None:
        await deny(self._redis, caller)
        signed_out = audit_events.sign_in(
            "auth.signed_out",
            caller.tenant_id,
            caller.user_id,
            caller.email,
            "access_token",
            caller.role,
        )
        if refresh_token:
            found = await self._sessions.refresh.family_of(refresh_token)
            # Only the caller's own session; a foreign token is ignored, not revealed.
            if found is not None and found[1] == caller.user_id:
                await self._sessions.refresh.revoke_family(found[0], signed_out)
                return
        # Only the token ended (in Redis): the event has no transaction to share.
        await events.emit_alone(self._engine, outbox, signed_out)

    async def change_password(self, caller: Caller, current: str, new: str) -> None:
        v = Violations()
        if not current:
            v.add("current_password", "is required")
        check_password(v, "new_password", new)
        if current and new == current:
            v.add("new_password", "must differ from the current password")
        v.raise_if_any()
        credential = None
        if is_uuid(caller.user_id):  # service callers ("service:...") have no password
            async with self._engine.connect() as conn:
                credential = await credential_by_id(conn, caller.user_id)
        if credential is None or credential.tenant_id != caller.tenant_id:
            raise NotFound("no password account for this caller", reason="ACCOUNT_NOT_FOUND")
        # Throttled like Login, so a stolen access token cannot guess the password.
        await self._throttle.check(credential.email)
        if not await self._passwords.verify(credential.password_hash, current):
            await self._throttle.failed(credential.email)
            raise invalid("current_password", "is not correct", reason="WRONG_PASSWORD")
        await self._throttle.succeeded(credential.email)
        changed = audit_events.sign_in(
            "auth.password_changed",
            caller.tenant_id,
            caller.user_id,
            credential.email,
            "password",
            caller.role,
        )
        await self._set_password(credential.user_id, new, end_sessions=True, announce=changed)
        # Every access token of the account ends too, this caller's included.
        await self._revocation.revoke_user(credential.user_id)

    async def _set_password(
        self,
        user_id: str,
        password: str,
        end_sessions: bool = False,
        announce: Event | None = None,
    ) -> None:
        password_hash = await self._passwords.hash(password)
        async with self._engine.begin() as conn:
            await conn.execute(
                credentials.update()
                .where(credentials.c.user_id == user_id)
                .values(password_hash=password_hash, updated_at=now())
            )
            if end_sessions:
                await self._sessions.refresh.revoke_user(user_id, conn)
            if announce is not None:
                await emit(conn, announce)
