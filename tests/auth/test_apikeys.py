"""API keys: shown once, stored hashed, idempotent creation, exchange and revocation; and
service tokens, on a user's behalf too."""

from __future__ import annotations

import uuid

import jwt
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.auth.app import Auth
from services.auth.profiles import ProfileStatus
from services.auth.store import api_keys, credentials, digest
from services.runtime.errors import (
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from services.runtime.identity import Caller, TokenVerifier
from services.runtime.secret_keys import service_auth_key
from tests.auth.conftest import FakeProfiles, auth_settings, caller_of, sign_up


async def _user(auth: Auth, verifier: TokenVerifier) -> Caller:
    return await caller_of(verifier, await sign_up(auth))


async def test_create_exchange_revoke(
    auth: Auth, engine: AsyncEngine, verifier: TokenVerifier
) -> None:
    owner = await _user(auth, verifier)
    key, secret = await auth.api_keys.create(owner, "nightly export", 30, "")
    assert secret.startswith("tmk_") and key.prefix == secret[:12]
    assert key.expires_at is not None and (key.expires_at - key.created_at).days == 30
    async with engine.connect() as conn:
        stored = (await conn.execute(sa.select(api_keys).where(api_keys.c.id == key.id))).one()
    assert stored.secret_hash == digest(secret) and secret not in stored.secret_hash

    session = await auth.api_keys.exchange(secret)
    caller = await caller_of(verifier, session)
    assert (caller.user_id, caller.tenant_id, caller.role) == (
        owner.user_id,
        owner.tenant_id,
        owner.role,
    )
    assert session.refresh_token == ""
    [listed], _ = await auth.api_keys.list_page(owner, 0, "")
    assert listed.last_used_at is not None

    revoked = await auth.api_keys.revoke(owner, key.id)
    assert revoked.revoked_at is not None
    assert (await auth.api_keys.revoke(owner, key.id)).revoked_at == revoked.revoked_at
    with pytest.raises(Unauthenticated, match="revoked"):
        await auth.api_keys.exchange(secret)


async def test_bad_keys_are_unauthenticated(
    auth: Auth, engine: AsyncEngine, verifier: TokenVerifier
) -> None:
    owner = await _user(auth, verifier)
    with pytest.raises(Unauthenticated, match="not valid"):
        await auth.api_keys.exchange("tmk_made-up")
    with pytest.raises(InvalidArgument):
        await auth.api_keys.exchange("")
    key, secret = await auth.api_keys.create(owner, "short lived", 1, "")
    async with engine.begin() as conn:
        await conn.execute(
            api_keys.update()
            .where(api_keys.c.id == key.id)
            .values(expires_at=sa.func.now() - sa.text("interval '1 second'"))
        )
    with pytest.raises(Unauthenticated, match="expired"):
        await auth.api_keys.exchange(secret)


async def test_disabled_owner_cannot_exchange(
    auth: Auth, profiles: FakeProfiles, verifier: TokenVerifier
) -> None:
    owner = await _user(auth, verifier)
    _, secret = await auth.api_keys.create(owner, "k", 0, "")
    profiles.profiles[owner.user_id] = ProfileStatus(True, False, "admin")
    with pytest.raises(PermissionDenied, match="account is disabled"):
        await auth.api_keys.exchange(secret)


async def test_create_is_idempotent_per_request_id(
    auth: Auth, engine: AsyncEngine, verifier: TokenVerifier
) -> None:
    owner = await _user(auth, verifier)
    first, secret = await auth.api_keys.create(owner, "ci", 0, "req-1")
    again, no_secret = await auth.api_keys.create(owner, "ci", 0, "req-1")
    assert again.id == first.id and secret and no_secret == ""
    other = await _user(auth, verifier)  # the same request id from someone else is theirs
    theirs, _ = await auth.api_keys.create(other, "ci", 0, "req-1")
    assert theirs.id != first.id
    async with engine.connect() as conn:
        count = (
            await conn.execute(
                sa.select(sa.func.count()).where(api_keys.c.user_id == owner.user_id)
            )
        ).scalar_one()
    assert count == 1


async def test_create_validation(auth: Auth, verifier: TokenVerifier) -> None:
    owner = await _user(auth, verifier)
    with pytest.raises(InvalidArgument) as err:
        await auth.api_keys.create(owner, " ", 366, "x" * 101)
    assert [f for f, _ in err.value.violations] == ["display_name", "ttl_days", "request_id"]


async def test_list_pages_through_own_keys_only(auth: Auth, verifier: TokenVerifier) -> None:
    owner, other = await _user(auth, verifier), await _user(auth, verifier)
    names = [f"key {i}" for i in range(3)]
    for name in names:
        await auth.api_keys.create(owner, name, 0, "")
    await auth.api_keys.create(other, "not yours", 0, "")
    page, token = await auth.api_keys.list_page(owner, 2, "")
    assert [k.display_name for k in page] == ["key 2", "key 1"] and token
    rest, end = await auth.api_keys.list_page(owner, 2, token)
    assert [k.display_name for k in rest] == ["key 0"] and end == ""
    with pytest.raises(InvalidArgument):
        await auth.api_keys.list_page(other, 2, token)
    with pytest.raises(InvalidArgument):
        await auth.api_keys.list_page(owner, 101, "")


async def test_revoke_is_scoped(auth: Auth, verifier: TokenVerifier) -> None:
    owner = await _user(auth, verifier)
    key, _ = await auth.api_keys.create(owner, "mine", 0, "")
    stranger = await _user(auth, verifier)  # an admin, but of another tenant
    with pytest.raises(NotFound):
        await auth.api_keys.revoke(stranger, key.id)
    _, invite = await auth.invitations.create(owner, f"m-{key.id[:8]}@example.com", "member", 0)
    member = await caller_of(
        verifier, await auth.signup.accept_invitation(invite, "long enough", "M", "M")
    )
    with pytest.raises(NotFound):  # a member cannot revoke a colleague's key
        await auth.api_keys.revoke(member, key.id)
    member_key, _ = await auth.api_keys.create(member, "member key", 0, "")
    assert (await auth.api_keys.revoke(owner, member_key.id)).revoked_at  # tenant admin may


async def test_services_own_no_keys_or_passwords(auth: Auth, verifier: TokenVerifier) -> None:
    owner = await _user(auth, verifier)
    secret = service_auth_key(auth_settings().service_secret.get_secret_value())
    issued = await auth.service_auth.issue("saga", secret, owner.tenant_id, "192.0.2.2")
    service = await verifier.verify(issued.token)
    assert await auth.api_keys.list_page(service, 0, "") == ([], "")
    with pytest.raises(PermissionDenied):
        await auth.api_keys.create(service, "k", 0, "")
    with pytest.raises(NotFound):
        await auth.signin.change_password(service, "whatever1", "whatever2")


async def test_a_delegated_token_acts_as_the_user_and_no_more(
    auth: Auth, engine: AsyncEngine, verifier: TokenVerifier
) -> None:
    owner = await _user(auth, verifier)
    _, invite = await auth.invitations.create(
        owner, f"d-{owner.user_id[:8]}@example.com", "member", 0
    )
    member = await caller_of(
        verifier, await auth.signup.accept_invitation(invite, "long enough", "M", "M")
    )
    secret = service_auth_key(auth_settings().service_secret.get_secret_value())
    issued = await auth.service_auth.issue(
        "automation", secret, owner.tenant_id, "192.0.2.3", member.user_id
    )
    acting = await verifier.verify(issued.token)
    assert (acting.user_id, acting.tenant_id, acting.role) == (
        member.user_id,
        owner.tenant_id,
        "member",
    )
    assert jwt.decode(issued.token, options={"verify_signature": False})["act"] == {
        "sub": "service:automation"
    }
    stranger = await _user(auth, verifier)  # a user of another tenant
    for who in (stranger.user_id, str(uuid.uuid4())):
        with pytest.raises(PermissionDenied, match="not an active user of the tenant"):
            await auth.service_auth.issue("automation", secret, owner.tenant_id, "192.0.2.3", who)
    async with engine.begin() as conn:
        await conn.execute(
            credentials.update()
            .where(credentials.c.user_id == member.user_id)
            .values(is_active=False)
        )
    with pytest.raises(PermissionDenied):
        await auth.service_auth.issue(
            "automation", secret, owner.tenant_id, "192.0.2.3", member.user_id
        )
    with pytest.raises(InvalidArgument):
        await auth.service_auth.issue("automation", secret, owner.tenant_id, "192.0.2.3", "nope")
