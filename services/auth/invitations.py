"""Invitations: the only way into an existing tenant.

An admin invites an email address with a role; the single-use token (stored hashed) is
shown once. Every query is filtered by the caller's tenant, so another tenant's
invitation is "not found", exactly like one that does not exist.

Inviting an address looks at the caller's own tenant only: an address with an account in
another tenant is invited like any other, so an invitation tells nothing about other
tenants, and a pending one blocks nobody (the address's owner can still register; the
invitation then cannot be accepted).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.auth import audit_events
from services.auth.listing import newest_first
from services.auth.store import credential_by_email, digest, emit, invitations
from services.runtime.clock import now
from services.runtime.errors import AlreadyExists, FailedPrecondition, NotFound, Violations
from services.runtime.identity import ROLES, Caller
from services.runtime.validation import check_email, check_uuid

PREFIX = "tmi_"
DEFAULT_TTL_HOURS = 72
MAX_TTL_HOURS = 720
INV = invitations.c


@dataclass(frozen=True)
class Invitation:
    id: str
    tenant_id: str
    email: str
    role: str
    state: str  # pending, accepted, revoked or expired
    created_at: datetime
    expires_at: datetime
    inviter_id: str


def _from_row(row: Any) -> Invitation:
    if row.accepted_at is not None:
        state = "accepted"
    elif row.revoked_at is not None:
        state = "revoked"
    elif row.expires_at <= now():
        state = "expired"
    else:
        state = "pending"
    return Invitation(
        row.id,
        row.tenant_id,
        row.email,
        row.role,
        state,
        row.created_at,
        row.expires_at,
        row.inviter_id,
    )


def _require_pending(invitation: Invitation) -> None:
    if invitation.state != "pending":
        raise FailedPrecondition(
            f"the invitation is {invitation.state} and can no longer be accepted",
            reason=f"INVITATION_{invitation.state.upper()}",
        )


def _not_found(what: str) -> NotFound:
    return NotFound(f"invitation {what} not found", reason="INVITATION_NOT_FOUND")


class Invitations:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def create(
        self, caller: Caller, email: str, role: str, ttl_hours: int
    ) -> tuple[Invitation, str]:
        """The invitation and its token (the only time the token is shown)."""
        caller.require_admin()
        v = Violations()
        email = check_email(v, "email", email)
        if role not in ROLES:
            v.add("role", f"must be one of {', '.join(ROLES)}")
        if not 0 <= ttl_hours <= MAX_TTL_HOURS:
            v.add("ttl_hours", f"must be between 1 and {MAX_TTL_HOURS} (0 means 72)")
        v.raise_if_any()
        token = PREFIX + secrets.token_urlsafe(32)
        stamp = now()
        values = {
            "id": str(uuid.uuid4()),
            "tenant_id": caller.tenant_id,
            "email": email,
            "role": role,
            "token_hash": digest(token),
            "inviter_id": caller.user_id,
            "created_at": stamp,
            "expires_at": stamp + timedelta(hours=ttl_hours or DEFAULT_TTL_HOURS),
        }
        try:
            async with self._engine.begin() as conn:
                existing = await credential_by_email(conn, email)
                if existing is not None and existing.tenant_id == caller.tenant_id:
                    raise AlreadyExists(
                        "this address already has an account in your tenant",
                        reason="ALREADY_MEMBER",
                    )
                row = (
                    await conn.execute(invitations.insert().values(**values).returning(invitations))
                ).one()
                made = audit_events.invitation("invitation.created", caller.tenant_id, row)
                await emit(conn, made)
        except IntegrityError as exc:  # the tenant in a service token does not exist
            raise FailedPrecondition("the tenant does not exist", reason="TENANT_UNKNOWN") from exc
        return _from_row(row), token

    async def list_page(
        self, caller: Caller, page_size: int, page_token: str
    ) -> tuple[list[Invitation], str]:
        caller.require_admin()
        rows, token = await newest_first(
            self._engine,
            invitations,
            INV.tenant_id == caller.tenant_id,
            page_size=page_size,
            page_token=page_token,
            scope={"tenant": caller.tenant_id},
        )
        return [_from_row(r) for r in rows], token

    async def revoke(self, caller: Caller, invitation_id: str) -> Invitation:
        caller.require_admin()
        v = Violations()
        invitation_id = check_uuid(v, "invitation_id", invitation_id)
        v.raise_if_any()
        where = sa.and_(INV.id == invitation_id, INV.tenant_id == caller.tenant_id)
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(sa.select(invitations).where(where).with_for_update())
            ).first()
            if row is None:
                raise _not_found(invitation_id)
            current = _from_row(row)
            if current.state == "accepted":
                raise FailedPrecondition(
                    "the invitation was already accepted", reason="INVITATION_ACCEPTED"
                )
            if current.state == "revoked":
                return current  # revoking twice changes nothing
            update = invitations.update().where(where).values(revoked_at=now())
            row = (await conn.execute(update.returning(invitations))).one()
            revoked = audit_events.invitation("invitation.revoked", caller.tenant_id, row)
            await emit(conn, revoked)
        return _from_row(row)

    async def peek(self, token: str) -> Invitation:
        """The pending invitation a token stands for (NOT_FOUND / FAILED_PRECONDITION)."""
        query = sa.select(invitations).where(INV.token_hash == digest(token))
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            raise _not_found("token")
        invitation = _from_row(row)
        _require_pending(invitation)
        return invitation

    async def claim(self, conn: AsyncConnection, token: str, user_id: str) -> None:
        """Marks the invitation accepted inside the caller's transaction.

        The row lock makes the token single-use even when two people accept at once: the
        second waits, then finds it accepted.
        """
        query = sa.select(invitations).where(INV.token_hash == digest(token)).with_for_update()
        row = (await conn.execute(query)).first()
        if row is None:
            raise _not_found("token")
        _require_pending(_from_row(row))
        await conn.execute(
            invitations.update()
            .where(INV.id == row.id)
            .values(accepted_at=now(), accepted_user_id=user_id)
        )
        # The new account accepts: it is the actor (the call carries no token yet).
        actor = audit_events.user_actor(user_id, row.role)
        accepted = audit_events.invitation(
            "invitation.accepted", row.tenant_id, row, user_id, actor=actor
        )
        await emit(conn, accepted)
