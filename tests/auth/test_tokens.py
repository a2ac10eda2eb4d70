"""Access tokens as every service sees them: through runtime.identity.TokenVerifier."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.auth.app import Auth
from services.auth.keys import KeyStore
from services.auth.tokens import AccessTokens, Principal, deny, validate
from services.runtime.config import Settings
from services.runtime.errors import InvalidArgument, PermissionDenied, Unauthenticated
from services.runtime.identity import TokenRevocation, TokenVerifier, not_before_key
from services.runtime.secret_keys import service_auth_key
from tests.auth.conftest import auth_settings

ALICE = Principal(
    "6b7c1a52-4f43-4c55-9d55-2f7b0b9e8a11",
    "0f0e0d0c-0b0a-4909-8807-060504030201",
    "a@x.io",
    "member",
)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _claims(cfg: Settings, **extra: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": ALICE.user_id,
        "tenant_id": ALICE.tenant_id,
        "role": "admin",
        "email": ALICE.email,
        "iat": now,
        "exp": now + 60,
        "jti": "j-1",
        "iss": cfg.jwt_issuer,
        "aud": cfg.jwt_audience,
    }
    claims.update(extra)
    return claims


async def test_signed_token_verifies_with_all_claims(
    auth: Auth, verifier: TokenVerifier, cfg: Settings
) -> None:
    issued = await auth.access.sign(ALICE)
    header = jwt.get_unverified_header(issued.token)
    key = await auth.keys.signing_key()
    assert header["kid"] == key.kid and header["alg"] == "EdDSA"
    caller = await verifier.verify(issued.token)
    assert (caller.user_id, caller.tenant_id, caller.role, caller.email) == (
        ALICE.user_id,
        ALICE.tenant_id,
        "member",
        "a@x.io",
    )
    assert caller.token_id == issued.token_id
    assert issued.expires_in == cfg.access_token_ttl
    assert abs(caller.expires_at - (time.time() + cfg.access_token_ttl)) < 5


async def test_expired_token_is_refused(auth: Auth, verifier: TokenVerifier) -> None:
    expired = await auth.access.sign(ALICE, ttl=-5)
    with pytest.raises(Unauthenticated) as err:
        await verifier.verify(expired.token)
    assert err.value.reason == "TOKEN_EXPIRED"


async def test_wrong_audience_is_refused(auth: Auth, redis: Redis, cfg: Settings) -> None:
    other = TokenVerifier(auth.keys.jwks, redis, cfg.jwt_issuer, "another-audience")
    token = (await auth.access.sign(ALICE)).token
    with pytest.raises(Unauthenticated, match="(?i)audience"):
        await other.verify(token)


async def test_alg_none_is_refused(auth: Auth, verifier: TokenVerifier, cfg: Settings) -> None:
    kid = (await auth.keys.signing_key()).kid
    header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
    payload = _b64(json.dumps(_claims(cfg)).encode())
    with pytest.raises(Unauthenticated):
        await verifier.verify(f"{header}.{payload}.")


async def test_hs256_signed_with_the_public_key_is_refused(
    auth: Auth, verifier: TokenVerifier, cfg: Settings
) -> None:
    key = await auth.keys.signing_key()
    public_pem = key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key.kid}).encode())
    payload = _b64(json.dumps(_claims(cfg)).encode())
    signing_input = f"{header}.{payload}".encode()
    for secret in (public_pem, json.dumps(key.public_jwk).encode()):
        signature = _b64(hmac.new(secret, signing_input, hashlib.sha256).digest())
        with pytest.raises(Unauthenticated):
            await verifier.verify(f"{header}.{payload}.{signature}")


async def test_unknown_kid_is_refused(verifier: TokenVerifier, cfg: Settings) -> None:
    stranger = ed25519.Ed25519PrivateKey.generate()
    token = jwt.encode(_claims(cfg), stranger, algorithm="EdDSA", headers={"kid": "stranger"})
    with pytest.raises(Unauthenticated, match="unknown key"):
        await verifier.verify(token)


async def test_denylisted_token_is_refused_until_it_expires(
    auth: Auth, verifier: TokenVerifier, redis: Redis
) -> None:
    token = (await auth.access.sign(ALICE)).token
    caller = await verifier.verify(token)
    await deny(redis, caller)
    with pytest.raises(Unauthenticated) as err:
        await verifier.verify(token)
    assert err.value.reason == "TOKEN_REVOKED"
    ttl = await redis.ttl(f"auth:denylist:{caller.token_id}")
    assert 0 < ttl <= caller.expires_at - int(time.time()) + 1
    assert await validate(verifier, token) == "the token has been revoked"


async def test_a_user_revocation_ends_older_tokens_not_newer_ones(
    auth: Auth, verifier: TokenVerifier, redis: Redis
) -> None:
    who = Principal(str(uuid.uuid4()), ALICE.tenant_id, "b@x.io", "member")
    old = (await auth.access.sign(who)).token
    await TokenRevocation(redis, 900).revoke_user(who.user_id)
    # Signed in the same second as the revocation, but after it: still good.
    new = (await auth.access.sign(who)).token
    with pytest.raises(Unauthenticated) as err:
        await verifier.verify(old)
    assert err.value.reason == "TOKEN_REVOKED"
    assert (await verifier.verify(new)).user_id == who.user_id
    assert 900 < await redis.ttl(not_before_key(who.user_id)) <= 960


async def test_revocation_is_checked_in_one_round_trip(
    auth: Auth, verifier: TokenVerifier, redis: Redis
) -> None:
    token = (await auth.access.sign(ALICE)).token
    await verifier.verify(token)  # verified and cached: from now on only revocation
    before = await redis.info("commandstats")
    for _ in range(3):
        await verifier.verify(token)
    after = await redis.info("commandstats")

    def calls(name: str, stats: dict[str, Any]) -> int:
        return int(stats.get(f"cmdstat_{name}", {}).get("calls", 0))

    assert calls("mget", after) - calls("mget", before) == 3
    assert calls("exists", after) == calls("exists", before)


async def test_validate_reports_the_caller_or_the_reason(
    auth: Auth, verifier: TokenVerifier
) -> None:
    token = (await auth.access.sign(ALICE)).token
    caller = await validate(verifier, token)
    assert not isinstance(caller, str) and caller.user_id == ALICE.user_id
    assert await validate(verifier, "") == "no token given"
    assert "malformed" in str(await validate(verifier, "garbage"))


async def test_service_token_needs_the_shared_secret(auth: Auth, verifier: TokenVerifier) -> None:
    secret = service_auth_key(auth_settings().service_secret.get_secret_value())
    issued = await auth.service_auth.issue("saga", secret, ALICE.tenant_id, "192.0.2.1")
    caller = await verifier.verify(issued.token)
    assert caller.is_service and caller.user_id == "service:saga"
    assert caller.tenant_id == ALICE.tenant_id
    with pytest.raises(PermissionDenied):
        await auth.service_auth.issue("saga", secret + "x", ALICE.tenant_id, "192.0.2.1")
    with pytest.raises(InvalidArgument) as err:
        await auth.service_auth.issue("Saga!", "", "nope", "192.0.2.1")
    assert [f for f, _ in err.value.violations] == ["service_name", "service_secret", "tenant_id"]


async def test_concurrent_key_stores_share_one_key(auth_schema: str, engine: AsyncEngine) -> None:
    secret = auth_settings().service_secret.get_secret_value()
    stores = [KeyStore(engine, "EdDSA", secret) for _ in range(4)]
    keys = await asyncio.gather(*(s.signing_key() for s in stores))
    assert len({k.kid for k in keys}) == 1


async def test_rs256_keys_sign_and_join_the_jwks(
    auth_schema: str, engine: AsyncEngine, redis: Redis
) -> None:
    cfg = auth_settings(jwt_algorithm="RS256")
    keys = KeyStore(engine, "RS256", cfg.service_secret.get_secret_value())
    token = (await AccessTokens(keys, cfg).sign(ALICE)).token
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    jwks = await keys.jwks()
    algs = {k["alg"] for k in jwks["keys"]}
    assert "RS256" in algs
    assert all(k["use"] == "sig" and k["kid"] and "d" not in k for k in jwks["keys"])
    verifier = TokenVerifier(keys.jwks, redis, cfg.jwt_issuer, cfg.jwt_audience)
    assert (await verifier.verify(token)).user_id == ALICE.user_id


async def test_key_under_another_secret_is_replaced(auth_schema: str, engine: AsyncEngine) -> None:
    first = await KeyStore(
        engine, "EdDSA", auth_settings().service_secret.get_secret_value()
    ).signing_key()
    rotated = await KeyStore(engine, "EdDSA", "a-completely-different-secret").signing_key()
    assert rotated.kid != first.kid
