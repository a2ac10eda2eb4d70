"""The signing key store: the key access tokens are signed with, and the published JWKS.

A key (Ed25519 for EdDSA, or RSA-2048 for RS256, per TABLEMESH_JWT_ALGORITHM) is made on
first start and kept in PostgreSQL, so every worker process and every restart signs with
the same key. A transaction-scoped advisory lock serialises the check-then-create, so
several workers starting at once do not create two. The private key is stored encrypted
with a key derived from the service secret: a database dump alone does not let anyone
mint tokens.

Keys from before that derivation were encrypted with the secret itself. One encrypted
with this secret is re-encrypted in place; one encrypted with the old public default is
retired (anyone with a dump could decrypt it) and a new key replaces it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import zlib
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from jwt.algorithms import OKPAlgorithm, RSAAlgorithm
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.auth.store import signing_keys
from services.runtime import logs
from services.runtime.clock import now
from services.runtime.config import OLD_DEFAULT_SERVICE_SECRET
from services.runtime.secret_keys import signing_key_encryption_key

LOCK_ID = zlib.crc32(b"tablemesh-auth-signing-key")
JWKS_TTL = 60.0
log = logs.get("keys")


@dataclass(frozen=True)
class SigningKey:
    kid: str
    algorithm: str
    private_key: Any  # Ed25519PrivateKey or RSAPrivateKey
    public_jwk: dict[str, Any]


def _thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 key id: the SHA-256 of the key's required members, base64url."""
    members = ("crv", "kty", "x") if jwk["kty"] == "OKP" else ("e", "kty", "n")
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    raw = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def generate(algorithm: str) -> tuple[Any, dict[str, Any]]:
    """A new private key and its public JWK (with kid, alg and use)."""
    jwk: dict[str, Any]
    if algorithm == "EdDSA":
        private: Any = ed25519.Ed25519PrivateKey.generate()
        jwk = OKPAlgorithm.to_jwk(private.public_key(), as_dict=True)
    elif algorithm == "RS256":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    else:
        raise ValueError(f"unsupported signing algorithm {algorithm!r}")
    jwk.pop("key_ops", None)
    jwk.update(kid=_thumbprint(jwk), alg=algorithm, use="sig")
    return private, jwk


class KeyStore:
    def __init__(self, engine: AsyncEngine, algorithm: str, secret: str) -> None:
        self._engine = engine
        self._algorithm = algorithm
        self._encryption_key = signing_key_encryption_key(secret)
        self._legacy_secret = secret.encode()
        self._current: SigningKey | None = None
        self._jwks: dict[str, Any] | None = None
        self._jwks_at = 0.0

    async def signing_key(self) -> SigningKey:
        """The key to sign with: loaded once per process, created if there is none."""
        if self._current is None:
            self._current = await self._load_or_create()
        return self._current

    async def jwks(self) -> dict[str, Any]:
        """Every unretired public key, so tokens signed before a key change still verify.

        Kept for JWKS_TTL seconds: GetJwks is public, and keys change only on rotation."""
        if self._jwks is not None and time.monotonic() - self._jwks_at < JWKS_TTL:
            return self._jwks
        # Makes sure the key exists: a gateway fetching the JWKS before the first sign-in
        # must not be told there are no keys.
        await self.signing_key()
        query = (
            sa.select(signing_keys.c.public_jwk)
            .where(signing_keys.c.retired_at.is_(None))
            .order_by(signing_keys.c.created_at.desc())
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).scalars().all()
        self._jwks = {"keys": [dict(row) for row in rows]}
        self._jwks_at = time.monotonic()
        return self._jwks

    async def _load_or_create(self) -> SigningKey:
        async with self._engine.begin() as conn:
            await conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": LOCK_ID})
            existing = await self._newest(conn)
            if existing is not None:
                return existing
            private, jwk = generate(self._algorithm)
            pem = self._encrypted_pem(private)
            await conn.execute(
                signing_keys.insert().values(
                    kid=jwk["kid"],
                    algorithm=self._algorithm,
                    private_pem=pem,
                    public_jwk=jwk,
                    created_at=now(),
                )
            )
            log.info("created signing key", kid=jwk["kid"], algorithm=self._algorithm)
            return SigningKey(jwk["kid"], self._algorithm, private, jwk)

    async def _newest(self, conn: AsyncConnection) -> SigningKey | None:
        """The newest usable key of the configured algorithm, if any."""
        query = (
            sa.select(signing_keys)
            .where(
                signing_keys.c.algorithm == self._algorithm,
                signing_keys.c.retired_at.is_(None),
            )
            .order_by(signing_keys.c.created_at.desc())
        )
        for row in (await conn.execute(query)).all():
            pem = row.private_pem.encode()
            private = _decrypt(pem, self._encryption_key)
            if private is None and (private := _decrypt(pem, self._legacy_secret)) is not None:
                await self._reencrypt(conn, row.kid, private)
            if private is None and _decrypt(pem, OLD_DEFAULT_SERVICE_SECRET.encode()):
                await conn.execute(
                    signing_keys.update()
                    .where(signing_keys.c.kid == row.kid)
                    .values(retired_at=now())
                )
                log.warning(
                    "retired a signing key encrypted under the old public default secret; "
                    "a new key replaces it and tokens it signed must be renewed",
                    kid=row.kid,
                )
                continue
            if private is None:
                # Encrypted under another service secret (it was rotated): unusable here,
                # a new key is made; the old public key stays published until retired.
                log.warning("signing key not decryptable with this secret", kid=row.kid)
                continue
            return SigningKey(row.kid, row.algorithm, private, dict(row.public_jwk))
        return None

    def _encrypted_pem(self, private: Any) -> str:
        """The private key as PKCS#8 PEM, encrypted under the derived encryption key."""
        return str(
            private.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(self._encryption_key),
            ).decode()
        )

    async def _reencrypt(self, conn: AsyncConnection, kid: str, private: Any) -> None:
        pem = self._encrypted_pem(private)
        await conn.execute(
            signing_keys.update().where(signing_keys.c.kid == kid).values(private_pem=pem)
        )
        log.info("re-encrypted a signing key under the derived encryption key", kid=kid)


def _decrypt(pem: bytes, password: bytes) -> Any | None:
    try:
        return serialization.load_pem_private_key(pem, password)
    except (ValueError, TypeError):
        return None
