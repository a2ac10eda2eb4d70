"""Stored signing keys are encrypted with a derived key; keys from before that are handled."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from sqlalchemy.ext.asyncio import AsyncEngine

from services.auth.keys import KeyStore, generate
from services.auth.store import signing_keys
from services.runtime.clock import now
from services.runtime.config import OLD_DEFAULT_SERVICE_SECRET
from services.runtime.secret_keys import (
    page_token_key,
    service_auth_key,
    signing_key_encryption_key,
)
from tests.auth.conftest import auth_settings


def secret() -> str:
    return auth_settings().service_secret.get_secret_value()


async def store_legacy_key(engine: AsyncEngine, password: str) -> str:
    """A key as earlier versions stored it: encrypted with the raw secret."""
    private, jwk = generate("EdDSA")
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password.encode()),
    ).decode()
    async with engine.begin() as conn:
        await conn.execute(
            signing_keys.insert().values(
                kid=jwk["kid"], algorithm="EdDSA", private_pem=pem, public_jwk=jwk, created_at=now()
            )
        )
    return str(jwk["kid"])


async def row(engine: AsyncEngine, kid: str) -> Any:
    async with engine.connect() as conn:
        query = sa.select(signing_keys.c.private_pem, signing_keys.c.retired_at).where(
            signing_keys.c.kid == kid
        )
        return (await conn.execute(query)).one()


def test_each_use_has_its_own_key() -> None:
    keys = {service_auth_key(), page_token_key().hex(), signing_key_encryption_key().hex()}
    assert len(keys) == 3
    assert secret() not in keys and secret().encode().hex() not in keys


async def test_new_keys_are_encrypted_with_the_derived_key(
    auth_schema: str, engine: AsyncEngine
) -> None:
    key = await KeyStore(engine, "EdDSA", secret()).signing_key()
    pem = (await row(engine, key.kid)).private_pem.encode()
    serialization.load_pem_private_key(pem, signing_key_encryption_key(secret()))


async def test_a_key_under_the_raw_secret_is_reencrypted_and_kept(
    auth_schema: str, engine: AsyncEngine
) -> None:
    kid = await store_legacy_key(engine, secret())
    key = await KeyStore(engine, "EdDSA", secret()).signing_key()
    assert key.kid == kid
    stored = await row(engine, kid)
    assert stored.retired_at is None
    serialization.load_pem_private_key(
        stored.private_pem.encode(), signing_key_encryption_key(secret())
    )


async def test_a_key_under_the_old_default_is_retired(
    auth_schema: str, engine: AsyncEngine
) -> None:
    kid = await store_legacy_key(engine, OLD_DEFAULT_SERVICE_SECRET)
    keys = KeyStore(engine, "EdDSA", secret())
    key = await keys.signing_key()
    assert key.kid != kid
    assert (await row(engine, kid)).retired_at is not None
    assert kid not in {k["kid"] for k in (await keys.jwks())["keys"]}
