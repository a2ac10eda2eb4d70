"""The cookie a browser session gets: its attributes, Secure, and where the token comes
from (services/auth/browser_session.py); the flows through Envoy are in tests/e2e."""

from __future__ import annotations

from typing import Any

import pytest

from services.auth.browser_session import COOKIE, HEADER, SessionCookies, cookie_value
from services.runtime.errors import DomainError


class Context:
    """The two things of a servicer context that cookies use."""

    def __init__(self, *metadata: tuple[str, str]) -> None:
        self.metadata = metadata
        self.sent: list[tuple[tuple[str, str], ...]] = []

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return self.metadata

    async def send_initial_metadata(self, metadata: tuple[tuple[str, str], ...]) -> None:
        self.sent.append(metadata)


class Reply:
    refresh_token = "tmr_secret"


async def cookie_of(cookies: SessionCookies, *metadata: tuple[str, str]) -> str:
    context: Any = Context((HEADER, "cookie"), *metadata)
    browser = cookies.browser(context)
    assert browser is not None
    reply = await browser.hand_over(Reply())
    assert reply.refresh_token == ""
    ((name, value),) = context.sent[0]
    assert name == "set-cookie"
    return value


async def test_secure_over_https_or_when_configured() -> None:
    plain = await cookie_of(SessionCookies(max_age=60))
    assert plain == f"{COOKIE}=tmr_secret; Max-Age=60; Path=/api/v1/auth; HttpOnly; SameSite=Strict"
    https = await cookie_of(SessionCookies(max_age=60), ("x-forwarded-proto", "https"))
    assert https.endswith("; Secure")
    assert (await cookie_of(SessionCookies(always_secure=True))).endswith("; Secure")


def test_no_header_no_browser_and_a_bad_one_is_refused() -> None:
    assert SessionCookies().browser(Context(("cookie", f"{COOKIE}=x"))) is None  # type: ignore[arg-type]
    with pytest.raises(DomainError) as refused:
        SessionCookies().browser(Context((HEADER, "jwt")))  # type: ignore[arg-type]
    assert HEADER in str(refused.value)


def test_the_cookie_is_found_among_others_and_split_headers() -> None:
    context: Any = Context(("cookie", "a=1; b=2"), ("cookie", f"theme=dark; {COOKIE}=tmr_x"))
    assert cookie_value(context) == "tmr_x"
    assert cookie_value(Context(("cookie", f"x{COOKIE}=no"))) == ""  # type: ignore[arg-type]
