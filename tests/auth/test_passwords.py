from services.auth.passwords import Passwords, check_password
from services.runtime.config import Settings
from services.runtime.errors import Violations
from tests.auth.conftest import auth_settings


async def test_hash_is_argon2id_with_the_configured_cost() -> None:
    passwords = Passwords(Settings(argon2_memory_kib=19456, argon2_time_cost=2))
    hashed = await passwords.hash("s3cret password")
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert "s3cret" not in hashed
    assert await passwords.verify(hashed, "s3cret password")
    assert not await passwords.verify(hashed, "s3cret passwore")


async def test_missing_hash_never_verifies() -> None:
    passwords = Passwords(auth_settings())
    assert not await passwords.verify(None, "decoy password, never matches")
    assert not await passwords.verify("not a hash", "anything")


async def test_rehash_needed_when_cost_changes() -> None:
    cheap = Passwords(auth_settings())
    hashed = await cheap.hash("password one")
    assert not cheap.needs_rehash(hashed)
    assert Passwords(Settings(argon2_memory_kib=19456, argon2_time_cost=2)).needs_rehash(hashed)


def test_password_length_rules() -> None:
    v = Violations()
    check_password(v, "password", "short")
    check_password(v, "new_password", "x" * 1025)
    check_password(v, "ok", "12345678")
    assert v.items == [
        ("password", "must be at least 8 characters"),
        ("new_password", "must be at most 1024 characters"),
    ]
