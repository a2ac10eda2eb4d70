"""AuthService's session RPCs: sign-up, sign-in, refresh, sign-out and password change,
each a browser session (the refresh token in a cookie) when the request asks for one."""

from __future__ import annotations

from typing import Protocol, TypeVar

from tablemesh.auth.v1 import auth_service_pb2 as pb

from services.auth.app import Auth
from services.auth.browser_session import SessionCookies, hand_over
from services.auth.client_address import client_address
from services.auth.sessions import Session
from services.auth.tokens import Principal
from services.runtime.identity import Caller, current_caller
from services.runtime.wire import Ctx

BEARER = "Bearer"


def principal(who: Principal | Caller) -> pb.Principal:
    return pb.Principal(
        user_id=who.user_id, tenant_id=who.tenant_id, email=who.email, role=who.role
    )


class _TokenReply(Protocol):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int


R = TypeVar("R", bound=_TokenReply)


def _with_tokens(reply: R, s: Session) -> R:
    """Fills the token fields every sign-in response shares."""
    reply.access_token = s.access.token
    reply.refresh_token = s.refresh_token
    reply.token_type = BEARER
    reply.expires_in = s.access.expires_in
    return reply


class SessionMethods:
    """Mixed into the auth servicer, which sets `auth` and `cookies`."""

    auth: Auth
    cookies: SessionCookies

    async def Register(self, request: pb.RegisterRequest, context: Ctx) -> pb.RegisterResponse:
        browser = self.cookies.browser(context)
        await self.auth.sign_in_rate.admit(client_address(context))
        s = await self.auth.signup.register(
            request.email, request.password, request.first_name, request.last_name
        )
        reply = _with_tokens(pb.RegisterResponse(principal=principal(s.principal)), s)
        return await hand_over(browser, reply)

    async def AcceptInvitation(
        self, request: pb.AcceptInvitationRequest, context: Ctx
    ) -> pb.AcceptInvitationResponse:
        browser = self.cookies.browser(context)
        await self.auth.sign_in_rate.admit(client_address(context))
        s = await self.auth.signup.accept_invitation(
            request.token, request.password, request.first_name, request.last_name
        )
        reply = _with_tokens(pb.AcceptInvitationResponse(principal=principal(s.principal)), s)
        return await hand_over(browser, reply)

    async def Login(self, request: pb.LoginRequest, context: Ctx) -> pb.LoginResponse:
        browser = self.cookies.browser(context)
        await self.auth.sign_in_rate.admit(client_address(context))
        s = await self.auth.signin.login(request.email, request.password)
        return await hand_over(browser, _with_tokens(pb.LoginResponse(), s))

    async def RefreshToken(
        self, request: pb.RefreshTokenRequest, context: Ctx
    ) -> pb.RefreshTokenResponse:
        browser = self.cookies.browser(context)
        token = self.cookies.refresh_token(context, browser, request.refresh_token)
        s = await self.auth.signin.refresh(token)
        return await hand_over(browser, _with_tokens(pb.RefreshTokenResponse(), s))

    async def Logout(self, request: pb.LogoutRequest, context: Ctx) -> pb.LogoutResponse:
        browser = self.cookies.browser(context)
        token = request.refresh_token or (browser.refresh_token if browser else "")
        await self.auth.signin.logout(current_caller(), token)
        if browser is not None:
            await browser.clear()
        return pb.LogoutResponse()

    async def ChangePassword(
        self, request: pb.ChangePasswordRequest, context: Ctx
    ) -> pb.ChangePasswordResponse:
        browser = self.cookies.browser(context)
        await self.auth.signin.change_password(
            current_caller(), request.current_password, request.new_password
        )
        # Every session of the account ended: the browser's cookie is dead, so it goes.
        if browser is not None:
            await browser.clear()
        return pb.ChangePasswordResponse()
