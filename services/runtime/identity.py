"""Who is calling: access-token verification and the caller of the current request.

Every service verifies the JWT itself (defence in depth: a gRPC client can bypass Envoy).
Verified tokens are cached until they expire so a hot path does not re-verify signatures;
revocation is still checked on every call: the logout denylist (one token) and the user's
"not before" time (every token issued before it: set when the user is deactivated, changes
the password or is demoted), read from in-process copies that Redis keeps exact
(tracked_cache), or in one Redis round trip while those are not live.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import jwt
from redis.asyncio import Redis

from services.runtime.errors import PermissionDenied, Unauthenticated
from services.runtime.tracked_cache import TrackedCache

ROLES = ("admin", "member", "viewer")
SERVICE_ROLE = "service"
REQUIRED_CLAIMS = ["exp", "iat", "sub", "jti", "iss", "aud", "tenant_id", "role"]


# The keys every service reads on every call: kept in-process, exact (tracked_cache).
DENYLIST_PREFIX = "auth:denylist:"
NOT_BEFORE_PREFIX = "auth:not-before:"
TRACKED_PREFIXES = (DENYLIST_PREFIX, NOT_BEFORE_PREFIX)


def denylist_key(jti: str) -> str:
    """The Redis key that marks a logged-out access token."""
    return DENYLIST_PREFIX + jti


def not_before_key(user_id: str) -> str:
    """The Redis key holding the time (µs) up to which the user's tokens are revoked."""
    return NOT_BEFORE_PREFIX + user_id


# The claim with the issue time in microseconds: `iat` has whole seconds only, and a
# token issued in the same second as a revocation must be told apart (before or after).
ISSUED_US_CLAIM = "iat_us"


class TokenRevocation:
    """Revokes every access token of a user at once."""

    def __init__(self, redis: Redis, token_ttl: int) -> None:
        self._redis = redis
        # After the longest token lifetime every older token has expired anyway.
        self._ttl = token_ttl + 60

    async def revoke_user(self, user_id: str) -> None:
        await self._redis.set(not_before_key(user_id), str(time.time_ns() // 1000), ex=self._ttl)


@dataclass(frozen=True)
class Caller:
    """The identity an access token states."""

    user_id: str
    tenant_id: str
    role: str
    email: str
    token_id: str
    expires_at: int
    token: str
    # When the token was issued, in microseconds (from iat for tokens without iat_us).
    issued_us: int = 0

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_service(self) -> bool:
        return self.role == SERVICE_ROLE

    def require_admin(self) -> None:
        """Admins and mesh services may manage a tenant; anyone else is refused."""
        if not (self.is_admin or self.is_service):
            raise PermissionDenied("this action needs the admin role", reason="ADMIN_REQUIRED")


_current: contextvars.ContextVar[Caller | None] = contextvars.ContextVar("caller", default=None)


def current_caller() -> Caller:
    caller = _current.get()
    if caller is None:
        raise Unauthenticated("an access token is required", reason="TOKEN_MISSING")
    return caller


def maybe_caller() -> Caller | None:
    return _current.get()


def current_caller_or_none() -> Caller | None:
    """The verified caller, or None on a public call made without a token."""
    return _current.get()


def set_caller(caller: Caller | None) -> contextvars.Token[Caller | None]:
    return _current.set(caller)


JwksSource = Callable[[], Awaitable[dict[str, Any]]]


class TokenVerifier:
    """Verifies access tokens against the auth service's JWKS and the denylist."""

    # Do not refetch the key set more often than this when an unknown key id shows up.
    REFETCH_INTERVAL = 10.0
    CACHE_LIMIT = 10_000

    def __init__(
        self,
        jwks_source: JwksSource,
        redis: Redis,
        issuer: str,
        audience: str,
        tracked: TrackedCache | None = None,
    ) -> None:
        self._jwks_source = jwks_source
        # Revocation facts: in-process copies while the invalidation feed is live.
        self._facts = tracked or TrackedCache(redis, TRACKED_PREFIXES)
        self._issuer = issuer
        self._audience = audience
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = 0.0
        self._cache: dict[str, Caller] = {}

    def use_source(self, jwks_source: JwksSource) -> None:
        """Where keys come from; the auth service points this at its own key store."""
        self._jwks_source = jwks_source
        self._fetched_at = 0.0

    def set_jwks(self, jwks: dict[str, Any]) -> None:
        self._keys = {k.key_id: k for k in jwt.PyJWKSet.from_dict(jwks).keys if k.key_id}
        self._fetched_at = time.monotonic()

    async def _key_for(self, kid: str) -> jwt.PyJWK:
        if kid not in self._keys and time.monotonic() - self._fetched_at > self.REFETCH_INTERVAL:
            self.set_jwks(await self._jwks_source())
        key = self._keys.get(kid)
        if key is None:
            raise Unauthenticated("the token was signed by an unknown key", reason="TOKEN_INVALID")
        return key

    async def verify(self, token: str) -> Caller:
        caller = self._cache.get(token)
        if caller is None or caller.expires_at <= time.time():
            caller = await self._verify_signature(token)
            if len(self._cache) >= self.CACHE_LIMIT:
                self._cache.clear()
            self._cache[token] = caller
        denied, not_before = await self._facts.mget(
            (denylist_key(caller.token_id), not_before_key(caller.user_id))
        )
        if denied is not None:
            raise Unauthenticated("the token has been revoked", reason="TOKEN_REVOKED")
        # A tie counts as before: revoking must never miss a token.
        if not_before is not None and caller.issued_us <= int(not_before):
            raise Unauthenticated(
                "the token has been revoked (the account changed); sign in again",
                reason="TOKEN_REVOKED",
            )
        return caller

    async def _verify_signature(self, token: str) -> Caller:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"malformed token: {exc}", reason="TOKEN_INVALID") from exc
        key = await self._key_for(str(header.get("kid", "")))
        try:
            # Only the algorithm of the key itself: alg=none and HS256-with-public-key fail.
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[key.algorithm_name],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthenticated("the token has expired", reason="TOKEN_EXPIRED") from exc
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"invalid token: {exc}", reason="TOKEN_INVALID") from exc
        return Caller(
            user_id=str(claims["sub"]),
            tenant_id=str(claims["tenant_id"]),
            role=str(claims["role"]),
            email=str(claims.get("email", "")),
            token_id=str(claims["jti"]),
            expires_at=int(claims["exp"]),
            token=token,
            issued_us=int(claims.get(ISSUED_US_CLAIM) or int(claims["iat"]) * 1_000_000),
        )
