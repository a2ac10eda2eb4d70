"""Access tokens: signing short-lived JWTs, and revoking them before they expire.

Every service verifies these with services.runtime.identity.TokenVerifier against the
JWKS the key store publishes; the claims here are exactly what that verifier requires.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import jwt
from redis.asyncio import Redis

from services.auth.keys import KeyStore
from services.runtime.config import Settings
from services.runtime.errors import DomainError
from services.runtime.identity import (
    ISSUED_US_CLAIM,
    SERVICE_ROLE,
    Caller,
    TokenVerifier,
    denylist_key,
)

SERVICE_SUBJECT_PREFIX = "service:"


@dataclass(frozen=True)
class AccessToken:
    token: str
    token_id: str
    expires_at: int
    expires_in: int


@dataclass(frozen=True)
class Principal:
    """Who a token is for."""

    user_id: str
    tenant_id: str
    email: str
    role: str


class AccessTokens:
    def __init__(self, keys: KeyStore, cfg: Settings) -> None:
        self._keys = keys
        self._issuer = cfg.jwt_issuer
        self._audience = cfg.jwt_audience
        self._ttl = cfg.access_token_ttl

    async def sign(
        self, who: Principal, ttl: int | None = None, acting_service: str = ""
    ) -> AccessToken:
        key = await self._keys.signing_key()
        issued_us = time.time_ns() // 1000
        issued = issued_us // 1_000_000
        lifetime = ttl or self._ttl
        token_id = str(uuid.uuid4())
        claims = {
            "sub": who.user_id,
            "tenant_id": who.tenant_id,
            "role": who.role,
            "email": who.email,
            "iat": issued,
            ISSUED_US_CLAIM: issued_us,
            "exp": issued + lifetime,
            "jti": token_id,
            "iss": self._issuer,
            "aud": self._audience,
        }
        if acting_service:
            # RFC 8693's actor claim: a service acts on the user's behalf.
            claims["act"] = {"sub": SERVICE_SUBJECT_PREFIX + acting_service}
        token = jwt.encode(
            claims, key.private_key, algorithm=key.algorithm, headers={"kid": key.kid}
        )
        return AccessToken(token, token_id, issued + lifetime, lifetime)

    async def service_token(self, service_name: str, tenant_id: str) -> AccessToken:
        """A token for work no user drives, acting within one tenant."""
        who = Principal(SERVICE_SUBJECT_PREFIX + service_name, tenant_id, "", SERVICE_ROLE)
        return await self.sign(who)


async def validate(verifier: TokenVerifier, token: str) -> Caller | str:
    """ValidateToken: the token's caller, or the reason it is not valid."""
    if not token:
        return "no token given"
    try:
        return await verifier.verify(token)
    except DomainError as error:
        return error.message


async def deny(redis: Redis, caller: Caller) -> None:
    """Revokes an access token until it would have expired anyway (then the key vanishes)."""
    remaining = caller.expires_at - int(time.time())
    if remaining > 0:
        await redis.set(denylist_key(caller.token_id), "1", ex=remaining + 1)
