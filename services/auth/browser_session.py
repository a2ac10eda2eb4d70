"""Browser sessions: the refresh token in an HttpOnly cookie instead of the reply body.

OWASP's advice for a single-page app: the access token lives in the page's memory only,
the refresh token where no script can read it. A browser asks for that with the request
header `X-Tablemesh-Session: cookie` on Register, Login, AcceptInvitation and
RefreshToken; the reply then carries the access token but no refresh token, which comes
as a `Set-Cookie` instead (gRPC initial metadata, which the gateway's transcoder sends as
HTTP headers). Without the header nothing changes: non-browser clients keep the tokens in
the body, and the cookie is never read.

The cookie is scoped to /api/v1/auth (it goes with no other request), HttpOnly,
SameSite=Strict, and Secure when the request came over https (x-forwarded-proto, which
Envoy sets from the client's connection) or always with TABLEMESH_COOKIE_SECURE (TLS
ending before Envoy). RefreshToken reads it only when the header is sent: a cross-site
form cannot send a custom header (CORS preflight), so the header is the CSRF guard beside
SameSite=Strict. The cookie and tokens are never logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, TypeVar

from services.runtime.config import Settings
from services.runtime.errors import invalid
from services.runtime.wire import Ctx

HEADER = "x-tablemesh-session"
COOKIE_MODE = "cookie"
COOKIE = "tablemesh_refresh"
COOKIE_PATH = "/api/v1/auth"


class _Refreshable(Protocol):
    refresh_token: str


R = TypeVar("R", bound=_Refreshable)


def _metadata(context: Ctx) -> list[tuple[str, str]]:
    return [(k, v) for k, v in context.invocation_metadata() or () if isinstance(v, str)]


def cookie_value(context: Ctx, name: str = COOKIE) -> str:
    """The named cookie of the request ('' if absent); HTTP/2 may split Cookie headers."""
    for key, value in _metadata(context):
        if key != "cookie":
            continue
        for part in value.split(";"):
            found, _, content = part.strip().partition("=")
            if found == name:
                return content.strip()
    return ""


@dataclass(frozen=True)
class Browser:
    """A request that asked for a cookie session."""

    context: Ctx
    secure: bool
    max_age: int

    @property
    def refresh_token(self) -> str:
        return cookie_value(self.context)

    def _cookie(self, value: str, max_age: int) -> str:
        parts = [f"{COOKIE}={value}", f"Max-Age={max_age}", f"Path={COOKIE_PATH}", "HttpOnly"]
        parts.append("SameSite=Strict")
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)

    async def hand_over(self, reply: R) -> R:
        """Moves the reply's refresh token into the cookie."""
        cookie = self._cookie(reply.refresh_token, self.max_age)
        reply.refresh_token = ""
        await self.context.send_initial_metadata((("set-cookie", cookie),))
        return reply

    async def clear(self) -> None:
        await self.context.send_initial_metadata((("set-cookie", self._cookie("", 0)),))


@dataclass(frozen=True)
class SessionCookies:
    always_secure: bool = False
    max_age: int = 30 * 86400

    @classmethod
    def from_settings(cls, cfg: Settings) -> SessionCookies:
        return cls(cfg.cookie_secure, cfg.refresh_token_ttl)

    def browser(self, context: Ctx) -> Browser | None:
        """The browser session the request asks for, if it asks for one."""
        metadata = dict(_metadata(context))
        mode = metadata.get(HEADER)
        if mode is None:
            return None
        if mode.strip().lower() != COOKIE_MODE:
            raise invalid(HEADER, f"must be {COOKIE_MODE!r} (or not sent)")
        https = metadata.get("x-forwarded-proto", "").lower() == "https"
        return Browser(context, self.always_secure or https, self.max_age)

    def refresh_token(self, context: Ctx, browser: Browser | None, given: str) -> str:
        """The token to rotate: the body's, else (for a browser session) the cookie's."""
        if given:
            return given
        if browser is not None:
            if not browser.refresh_token:
                raise invalid("refresh_token", "is required: this browser has no session cookie")
            return browser.refresh_token
        if cookie_value(context):
            raise invalid(
                "refresh_token",
                f"is required; to use the session cookie send the header {HEADER}: {COOKIE_MODE}",
            )
        return given


async def hand_over(browser: Browser | None, reply: R) -> R:
    """The reply as a browser session wants it (unchanged for other clients)."""
    return reply if browser is None else await browser.hand_over(reply)
