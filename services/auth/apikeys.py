"""API keys: long-lived secrets for scripts, exchanged for short-lived access tokens.

The secret ("tmk_...") is shown once and stored as its SHA-256; its first characters are
kept in clear so owners can tell keys apart. CreateApiKey is idempotent per owner and
request_id (AIP-155): a retry returns the first key, without its secret, and adds no row.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.auth import audit_events
from services.auth.listing import newest_first
from services.auth.sessions import Session, Sessions
from services.auth.store import api_keys, credential_by_id, digest, emit
from services.runtime.clock import now
from services.runtime.errors import NotFound, PermissionDenied, Unauthenticated, Violations, invalid
from services.runtime.identity import Caller
from services.runtime.validation import check_required, check_uuid

PREFIX = "tmk_"
SHOWN_CHARS = 12
MAX_TTL_DAYS = 365
K = api_keys.c


@dataclass(frozen=True)
class ApiKey:
    id: str
    display_name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


def _from_row(row: Any) -> ApiKey:
    return ApiKey(
        row.id,
        row.display_name,
        row.prefix,
        row.created_at,
        row.expires_at,
        row.revoked_at,
        row.last_used_at,
    )


class ApiKeys:
    def __init__(self, engine: AsyncEngine, sessions: Sessions) -> None:
        self._engine = engine
        self._sessions = sessions

    async def _by_request(self, caller: Caller, request_id: str) -> ApiKey | None:
        query = sa.select(api_keys).where(K.user_id == caller.user_id, K.request_id == request_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return _from_row(row) if row else None

    async def create(
        self, caller: Caller, display_name: str, ttl_days: int, request_id: str
    ) -> tuple[ApiKey, str]:
        """The key and its secret; the secret is "" when a retry returns an earlier key."""
        if caller.is_service:
            raise PermissionDenied("API keys belong to people, not services", reason="NOT_A_USER")
        v = Violations()
        name = check_required(v, "display_name", display_name, 100)
        if not 0 <= ttl_days <= MAX_TTL_DAYS:
            v.add("ttl_days", f"must be between 0 and {MAX_TTL_DAYS}")
        if len(request_id) > 100:
            v.add("request_id", "must be at most 100 characters")
        v.raise_if_any()
        if request_id and (earlier := await self._by_request(caller, request_id)):
            return earlier, ""
        secret = PREFIX + secrets.token_urlsafe(32)
        stamp = now()
        values = {
            "id": str(uuid.uuid4()),
            "user_id": caller.user_id,
            "tenant_id": caller.tenant_id,
            "display_name": name,
            "prefix": secret[:SHOWN_CHARS],
            "secret_hash": digest(secret),
            "request_id": request_id or None,
            "created_at": stamp,
            "expires_at": stamp + timedelta(days=ttl_days) if ttl_days else None,
        }
        try:
            async with self._engine.begin() as conn:
                row = (
                    await conn.execute(api_keys.insert().values(**values).returning(api_keys))
                ).one()
                await emit(conn, audit_events.api_key("api_key.created", caller.tenant_id, row))
        except IntegrityError as exc:
            if request_id and (earlier := await self._by_request(caller, request_id)):
                return earlier, ""  # a concurrent retry won the race
            raise NotFound("no account for this caller", reason="ACCOUNT_NOT_FOUND") from exc
        return _from_row(row), secret

    async def list_page(
        self, caller: Caller, page_size: int, page_token: str
    ) -> tuple[list[ApiKey], str]:
        if caller.is_service:
            return [], ""  # services own no keys (and their ids are not UUIDs)
        rows, token = await newest_first(
            self._engine,
            api_keys,
            sa.and_(K.user_id == caller.user_id, K.tenant_id == caller.tenant_id),
            page_size=page_size,
            page_token=page_token,
            scope={"user": caller.user_id, "tenant": caller.tenant_id},
        )
        return [_from_row(r) for r in rows], token

    async def revoke(self, caller: Caller, api_key_id: str) -> ApiKey:
        """The owner, or an admin of the same tenant, revokes a key; revoking twice is a no-op."""
        v = Violations()
        api_key_id = check_uuid(v, "api_key_id", api_key_id)
        v.raise_if_any()
        where = sa.and_(K.id == api_key_id, K.tenant_id == caller.tenant_id)
        if not (caller.is_admin or caller.is_service):
            where = sa.and_(where, K.user_id == caller.user_id)
        stamp = now()
        async with self._engine.begin() as conn:
            update = (
                api_keys.update()
                .where(where)
                .values(revoked_at=sa.func.coalesce(K.revoked_at, stamp))
                .returning(api_keys)
            )
            row = (await conn.execute(update)).first()
            if row is not None and row.revoked_at == stamp:  # revoked now, not before
                await emit(conn, audit_events.api_key("api_key.revoked", caller.tenant_id, row))
        if row is None:
            raise NotFound(f"API key {api_key_id} not found", reason="API_KEY_NOT_FOUND")
        return _from_row(row)

    async def exchange(self, secret: str) -> Session:
        """An access token (no refresh token) for the key's owner."""
        if not secret:
            raise invalid("api_key", "is required")
        query = sa.select(api_keys).where(K.secret_hash == digest(secret))
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
            credential = await credential_by_id(conn, row.user_id) if row else None
        if row is None or credential is None:
            raise Unauthenticated("the API key is not valid", reason="API_KEY_INVALID")
        if row.revoked_at is not None:
            raise Unauthenticated("the API key has been revoked", reason="API_KEY_REVOKED")
        if row.expires_at is not None and row.expires_at <= now():
            raise Unauthenticated("the API key has expired", reason="API_KEY_EXPIRED")
        who = await self._sessions.admit(credential)
        async with self._engine.begin() as conn:
            await conn.execute(api_keys.update().where(K.id == row.id).values(last_used_at=now()))
        return Session(who, await self._sessions.access.sign(who), "")
