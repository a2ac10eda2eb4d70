"""Refresh tokens: opaque, stored hashed, rotated on every use, grouped in families.

A family is one sign-in session: each rotation adds a token to it and retires the one
presented. A retired token presented again means two parties hold the session (a thief
and its owner), so the whole family is revoked and both must sign in again.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from tablemesh.events.v1.events_pb2 import Event

from services.auth import audit_events
from services.auth.store import digest, emit, refresh_tokens
from services.runtime.clock import now
from services.runtime.errors import Unauthenticated

PREFIX = "tmr_"
T = refresh_tokens.c


@dataclass(frozen=True)
class Rotated:
    user_id: str
    tenant_id: str
    family_id: str
    token: str


class RefreshTokens:
    def __init__(self, engine: AsyncEngine, ttl: int) -> None:
        self._engine = engine
        self._ttl = ttl

    async def issue(self, user_id: str, tenant_id: str, *announce: Event) -> str:
        """The first token of a new family (a new session), announced by `announce` in the
        same transaction."""
        async with self._engine.begin() as conn:
            token = await self._insert(conn, user_id, tenant_id, str(uuid.uuid4()))
            for event in announce:
                await emit(conn, event)
            return token

    async def _insert(
        self, conn: AsyncConnection, user_id: str, tenant_id: str, family_id: str
    ) -> str:
        token = PREFIX + secrets.token_urlsafe(32)
        stamp = now()
        await conn.execute(
            refresh_tokens.insert().values(
                id=str(uuid.uuid4()),
                family_id=family_id,
                user_id=user_id,
                tenant_id=tenant_id,
                token_hash=digest(token),
                created_at=stamp,
                expires_at=stamp + timedelta(seconds=self._ttl),
            )
        )
        return token

    async def rotate(self, token: str) -> Rotated:
        """Retires the presented token and returns its successor in the same family."""
        async with self._engine.begin() as conn:
            query = sa.select(refresh_tokens).where(T.token_hash == digest(token)).with_for_update()
            row = (await conn.execute(query)).first()
            if row is None:
                raise Unauthenticated("the refresh token is not valid", reason="REFRESH_INVALID")
            if row.revoked_at is not None:
                raise Unauthenticated(
                    "the refresh token has been revoked; sign in again", reason="REFRESH_REVOKED"
                )
            if row.rotated_at is not None:
                await self._revoke(conn, T.family_id == row.family_id)
                reused = audit_events.sign_in(
                    "auth.refresh_reuse_detected",
                    row.tenant_id,
                    row.user_id,
                    "",
                    "refresh_token",
                    reason="REFRESH_REUSED",
                )
                await emit(conn, reused)
            elif row.expires_at <= now():
                raise Unauthenticated(
                    "the refresh token has expired; sign in again", reason="REFRESH_EXPIRED"
                )
            else:
                await conn.execute(
                    refresh_tokens.update().where(T.id == row.id).values(rotated_at=now())
                )
                new = await self._insert(conn, row.user_id, row.tenant_id, row.family_id)
                return Rotated(row.user_id, row.tenant_id, row.family_id, new)
        # Raised after the commit above, so the family stays revoked.
        raise Unauthenticated(
            "the refresh token was already used; the session is revoked, sign in again",
            reason="REFRESH_REUSED",
        )

    async def family_of(self, token: str) -> tuple[str, str] | None:
        """(family id, user id) of a token, whatever its state."""
        query = sa.select(T.family_id, T.user_id).where(T.token_hash == digest(token))
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return (row.family_id, row.user_id) if row else None

    async def revoke_family(self, family_id: str, *announce: Event) -> None:
        async with self._engine.begin() as conn:
            await self._revoke(conn, T.family_id == family_id)
            for event in announce:
                await emit(conn, event)

    async def revoke_user(self, user_id: str, conn: AsyncConnection | None = None) -> None:
        """Ends every session of a user (after a password change)."""
        if conn is not None:
            await self._revoke(conn, T.user_id == user_id)
            return
        async with self._engine.begin() as own:
            await self._revoke(own, T.user_id == user_id)

    @staticmethod
    async def _revoke(conn: AsyncConnection, where: sa.ColumnElement[bool]) -> None:
        await conn.execute(
            refresh_tokens.update().where(where, T.revoked_at.is_(None)).values(revoked_at=now())
        )
