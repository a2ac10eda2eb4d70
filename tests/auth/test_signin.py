"""Login, throttling, refresh rotation, logout and password changes."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.auth.app import Auth, build
from services.auth.profiles import ProfileStatus
from services.auth.refresh import RefreshTokens
from services.auth.store import credential_by_email
from services.runtime.errors import (
    InvalidArgument,
    PermissionDenied,
    ResourceExhausted,
    Unauthenticated,
)
from services.runtime.identity import TokenVerifier
from tests.auth.conftest import FakeProfiles, auth_settings, caller_of, new_email, sign_up

# Bounds real elapsed time, deadlines or leases: `make test` runs it before the meshes boot.
pytestmark = pytest.mark.realtime

PASSWORD = "correct horse"


async def test_login_returns_tokens_and_records_the_login(
    auth: Auth, profiles: FakeProfiles, verifier: TokenVerifier
) -> None:
    email = new_email()
    who = (await sign_up(auth, email)).principal
    session = await auth.signin.login(email.upper(), PASSWORD)
    assert (await caller_of(verifier, session)).user_id == who.user_id
    assert session.refresh_token and profiles.logins == [who.user_id]


async def test_unknown_email_and_wrong_password_look_the_same(auth: Auth) -> None:
    email = new_email()
    await sign_up(auth, email)
    errors = []
    for address, password in ((email, "wrong password"), (new_email(), PASSWORD)):
        with pytest.raises(Unauthenticated) as err:
            await auth.signin.login(address, password)
        errors.append((err.value.message, err.value.reason))
    assert errors[0] == errors[1] == ("invalid email or password", "INVALID_CREDENTIALS")
    with pytest.raises(InvalidArgument) as bad:
        await auth.signin.login(" ", "")
    assert [f for f, _ in bad.value.violations] == ["email", "password"]


async def test_throttled_after_failures_then_recovers(auth: Auth) -> None:
    # auth_settings: 3 failures within a 2-second window.
    email = new_email()
    await sign_up(auth, email)
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            await auth.signin.login(email, "wrong password")
    with pytest.raises(ResourceExhausted, match="retry later"):
        await auth.signin.login(email, PASSWORD)  # even the right password
    await asyncio.sleep(2.1)
    assert (await auth.signin.login(email, PASSWORD)).access.token


async def test_unknown_emails_are_throttled_too(auth: Auth) -> None:
    email = new_email()
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            await auth.signin.login(email, PASSWORD)
    with pytest.raises(ResourceExhausted):
        await auth.signin.login(email, PASSWORD)


@pytest.mark.parametrize("status", [ProfileStatus(True, False, "admin"), ProfileStatus(False)])
async def test_disabled_or_deleted_users_cannot_sign_in(
    auth: Auth, profiles: FakeProfiles, status: ProfileStatus
) -> None:
    email = new_email()
    session = await sign_up(auth, email)
    profiles.profiles[session.principal.user_id] = status
    with pytest.raises(PermissionDenied, match="account is disabled"):
        await auth.signin.login(email, PASSWORD)
    with pytest.raises(PermissionDenied):
        await auth.signin.refresh(session.refresh_token)
    profiles.profiles[session.principal.user_id] = ProfileStatus(True, True, "admin")
    with pytest.raises(Unauthenticated):  # refusing the refresh ended that session
        await auth.signin.refresh(session.refresh_token)


async def test_role_comes_from_the_users_service(
    auth: Auth, profiles: FakeProfiles, verifier: TokenVerifier
) -> None:
    email = new_email()
    who = (await sign_up(auth, email)).principal
    profiles.profiles[who.user_id] = ProfileStatus(True, True, "viewer")
    assert (await caller_of(verifier, await auth.signin.login(email, PASSWORD))).role == "viewer"


async def test_refresh_rotates_and_reuse_revokes_the_family(auth: Auth) -> None:
    first = await sign_up(auth)
    second = await auth.signin.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    third = await auth.signin.refresh(second.refresh_token)
    with pytest.raises(Unauthenticated) as reused:
        await auth.signin.refresh(first.refresh_token)
    assert reused.value.reason == "REFRESH_REUSED"
    with pytest.raises(Unauthenticated) as revoked:
        await auth.signin.refresh(third.refresh_token)
    assert revoked.value.reason == "REFRESH_REVOKED"
    with pytest.raises(Unauthenticated):
        await auth.signin.refresh("tmr_never-issued")
    with pytest.raises(InvalidArgument):
        await auth.signin.refresh("")


async def test_other_sessions_survive_a_reuse(auth: Auth) -> None:
    email = new_email()
    first = await sign_up(auth, email)
    other = await auth.signin.login(email, PASSWORD)
    await auth.signin.refresh(first.refresh_token)
    with pytest.raises(Unauthenticated):
        await auth.signin.refresh(first.refresh_token)
    assert (await auth.signin.refresh(other.refresh_token)).refresh_token


async def test_expired_refresh_token(auth: Auth, engine: AsyncEngine) -> None:
    who = (await sign_up(auth)).principal
    expired = RefreshTokens(engine, ttl=-1)
    token = await expired.issue(who.user_id, who.tenant_id)
    with pytest.raises(Unauthenticated) as err:
        await expired.rotate(token)
    assert err.value.reason == "REFRESH_EXPIRED"


async def test_logout_denylists_the_token_and_ends_the_session(
    auth: Auth, verifier: TokenVerifier
) -> None:
    session = await sign_up(auth)
    caller = await caller_of(verifier, session)
    await auth.signin.logout(caller, session.refresh_token)
    with pytest.raises(Unauthenticated) as err:
        await verifier.verify(session.access.token)
    assert err.value.reason == "TOKEN_REVOKED"
    with pytest.raises(Unauthenticated):
        await auth.signin.refresh(session.refresh_token)


async def test_logout_ignores_someone_elses_refresh_token(
    auth: Auth, verifier: TokenVerifier
) -> None:
    mine, theirs = await sign_up(auth), await sign_up(auth)
    await auth.signin.logout(await caller_of(verifier, mine), theirs.refresh_token)
    assert (await auth.signin.refresh(theirs.refresh_token)).refresh_token


async def test_change_password(auth: Auth, verifier: TokenVerifier) -> None:
    email = new_email()
    session = await sign_up(auth, email)
    caller = await caller_of(verifier, session)
    with pytest.raises(InvalidArgument) as err:
        await auth.signin.change_password(caller, "", "short")
    assert [f for f, _ in err.value.violations] == ["current_password", "new_password"]
    with pytest.raises(InvalidArgument, match="current_password: is not correct"):
        await auth.signin.change_password(caller, "wrong password", "new password!")
    await auth.signin.change_password(caller, PASSWORD, "new password!")
    with pytest.raises(Unauthenticated):  # every refresh token was revoked
        await auth.signin.refresh(session.refresh_token)
    with pytest.raises(Unauthenticated):
        await auth.signin.login(email, PASSWORD)
    assert (await auth.signin.login(email, "new password!")).access.token


async def test_old_hash_is_upgraded_on_login(
    auth: Auth, engine: AsyncEngine, redis: Redis, profiles: FakeProfiles
) -> None:
    email = new_email()
    await sign_up(auth, email)
    stronger = build(engine, redis, auth_settings(argon2_memory_kib=128), lambda _: profiles)
    await stronger.signin.login(email, PASSWORD)
    async with engine.connect() as conn:
        stored = await credential_by_email(conn, email)
    assert stored is not None and "$m=128,t=1," in stored.password_hash
    await stronger.signin.login(email, PASSWORD)  # the upgraded hash still verifies
