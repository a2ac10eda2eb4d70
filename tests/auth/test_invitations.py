"""Invitations: admin only, tenant isolated, single use."""

from __future__ import annotations

import pytest

from services.auth.app import Auth
from services.runtime.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from services.runtime.identity import Caller, TokenVerifier
from tests.auth.conftest import caller_of, new_email, sign_up


async def _admin(auth: Auth, verifier: TokenVerifier) -> Caller:
    return await caller_of(verifier, await sign_up(auth))


async def test_only_admins_invite(auth: Auth, verifier: TokenVerifier) -> None:
    admin = await _admin(auth, verifier)
    _, token = await auth.invitations.create(admin, new_email(), "member", 0)
    member = await caller_of(
        verifier, await auth.signup.accept_invitation(token, "long enough", "M", "Ember")
    )
    with pytest.raises(PermissionDenied):
        await auth.invitations.create(member, new_email(), "member", 0)
    with pytest.raises(PermissionDenied):
        await auth.invitations.list_page(member, 0, "")


async def test_create_validates_and_refuses_existing_accounts(
    auth: Auth, verifier: TokenVerifier
) -> None:
    admin = await _admin(auth, verifier)
    with pytest.raises(InvalidArgument) as err:
        await auth.invitations.create(admin, "nope", "owner", 721)
    assert [f for f, _ in err.value.violations] == ["email", "role", "ttl_hours"]
    with pytest.raises(AlreadyExists) as taken:
        await auth.invitations.create(admin, admin.email, "member", 0)
    assert taken.value.message == "this address already has an account in your tenant"


async def test_an_address_registered_elsewhere_is_invited_like_any_other(
    auth: Auth, verifier: TokenVerifier
) -> None:
    """Inviting tells nothing about other tenants; accepting cannot take the address."""
    admin = await _admin(auth, verifier)
    elsewhere = await _admin(auth, verifier)
    invitation, token = await auth.invitations.create(admin, elsewhere.email, "member", 0)
    assert invitation.state == "pending" and invitation.email == elsewhere.email
    with pytest.raises(AlreadyExists) as err:
        await auth.signup.accept_invitation(token, "long enough", "M", "Ember")
    assert err.value.message == "email is already registered"
    listed, _ = await auth.invitations.list_page(admin, 0, "")
    assert [i.state for i in listed if i.id == invitation.id] == ["pending"]


async def test_a_pending_invitation_blocks_nobody(auth: Auth, verifier: TokenVerifier) -> None:
    admin = await _admin(auth, verifier)
    email = new_email()
    _, token = await auth.invitations.create(admin, email, "member", 0)
    owner = await caller_of(verifier, await auth.signup.register(email, "long enough", "Own", "Er"))
    assert owner.email == email and owner.tenant_id != admin.tenant_id
    with pytest.raises(AlreadyExists):
        await auth.signup.accept_invitation(token, "long enough", "M", "Ember")


async def test_invitation_fields_and_listing(auth: Auth, verifier: TokenVerifier) -> None:
    admin = await _admin(auth, verifier)
    emails = [new_email() for _ in range(3)]
    for email in emails:
        invitation, token = await auth.invitations.create(admin, email, "viewer", 1)
        assert token.startswith("tmi_") and invitation.state == "pending"
        assert invitation.inviter_id == admin.user_id
        assert (invitation.expires_at - invitation.created_at).total_seconds() == 3600
    first, next_token = await auth.invitations.list_page(admin, 2, "")
    assert [i.email for i in first] == emails[::-1][:2] and next_token
    rest, last_token = await auth.invitations.list_page(admin, 2, next_token)
    assert [i.email for i in rest] == [emails[0]] and last_token == ""
    other = await _admin(auth, verifier)
    assert (await auth.invitations.list_page(other, 0, ""))[0] == []
    with pytest.raises(InvalidArgument):  # a page token is bound to its tenant
        await auth.invitations.list_page(other, 2, next_token)


async def test_revoke_is_tenant_scoped_and_ends_the_token(
    auth: Auth, verifier: TokenVerifier
) -> None:
    admin = await _admin(auth, verifier)
    invitation, token = await auth.invitations.create(admin, new_email(), "member", 0)
    stranger = await _admin(auth, verifier)
    with pytest.raises(NotFound):
        await auth.invitations.revoke(stranger, invitation.id)
    revoked = await auth.invitations.revoke(admin, invitation.id)
    assert revoked.state == "revoked"
    assert (await auth.invitations.revoke(admin, invitation.id)).state == "revoked"
    with pytest.raises(FailedPrecondition, match="revoked"):
        await auth.signup.accept_invitation(token, "long enough", "A", "B")
    with pytest.raises(InvalidArgument):
        await auth.invitations.revoke(admin, "not-a-uuid")


async def test_accepted_invitation_cannot_be_revoked(auth: Auth, verifier: TokenVerifier) -> None:
    admin = await _admin(auth, verifier)
    invitation, token = await auth.invitations.create(admin, new_email(), "admin", 0)
    session = await auth.signup.accept_invitation(token, "long enough", "A", "B")
    assert session.principal.role == "admin"
    with pytest.raises(FailedPrecondition):
        await auth.invitations.revoke(admin, invitation.id)
