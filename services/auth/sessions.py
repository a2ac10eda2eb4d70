"""Deciding whether an account may have tokens now, and handing out a token pair."""

from __future__ import annotations

from dataclasses import dataclass

from tablemesh.events.v1.events_pb2 import Event

from services.auth.profiles import Profiles
from services.auth.refresh import RefreshTokens
from services.auth.store import Credential
from services.auth.tokens import AccessToken, AccessTokens, Principal
from services.runtime.errors import PermissionDenied


@dataclass(frozen=True)
class Session:
    principal: Principal
    access: AccessToken
    refresh_token: str  # empty when only an access token was issued


def disabled() -> PermissionDenied:
    return PermissionDenied("account is disabled", reason="ACCOUNT_DISABLED")


class Sessions:
    def __init__(self, access: AccessTokens, refresh: RefreshTokens, profiles: Profiles) -> None:
        self.access = access
        self.refresh = refresh
        self.profiles = profiles

    async def admit(self, credential: Credential) -> Principal:
        """The principal to issue tokens for, or PERMISSION_DENIED if the account is off.

        An admin deactivates or deletes people in the users service, not here, so auth
        asks users on every sign-in, refresh and API-key exchange (users answers NOT_FOUND
        for deleted profiles). The role comes from users too, since admins change it there.
        Nothing is copied back: a later reactivation in users then simply works again.
        """
        if not credential.is_active:
            raise disabled()
        status = await self.profiles.status(credential.user_id, credential.tenant_id)
        if not (status.exists and status.active):
            raise disabled()
        return Principal(
            credential.user_id,
            credential.tenant_id,
            credential.email,
            status.role or credential.role,
        )

    async def start(self, who: Principal, *announce: Event) -> Session:
        """A new session: an access token and the first refresh token of a new family
        (written with the events that announce it)."""
        refresh_token = await self.refresh.issue(who.user_id, who.tenant_id, *announce)
        return Session(who, await self.access.sign(who), refresh_token)
