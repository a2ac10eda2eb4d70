"""The built console loads through Envoy in Chromium: its page, every file it asks for,
under the gateway's browser policy without a single violation. (The app's own journey
tests replace this one.)"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, Response

from services.runtime.config import ROOT
from tests.console.conftest import Screenshot

# What the mesh's console service serves (its default, unless the environment says).
DIST = Path(os.environ.get("TABLEMESH_CONSOLE_DIR") or ROOT / "console" / "dist")
BUILT = (DIST / "index.html").is_file()
# Signed out, the app asks once whether the browser has a session cookie (a refresh, which
# restores a session after a reload); without one that request is refused, as it should be.
SESSION_PROBE = "api/v1/auth/refresh"


@pytest.mark.skipif(not BUILT, reason="console/dist is absent: run `make console`")
def test_the_built_console_loads_through_envoy(
    page: Page, console_url: str, screenshot: Screenshot
) -> None:
    answers: list[Response] = []
    page.on("response", lambda answer: answers.append(answer))
    problems: list[str] = []
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))

    def on_console(message: ConsoleMessage) -> None:
        # A CSP violation is reported here too. The browser's own favicon guess is no
        # request of the app's: a missing /favicon.ico is the right 404.
        url = message.location["url"]
        if message.type == "error" and not url.endswith(("/favicon.ico", SESSION_PROBE)):
            problems.append(f"console: {message.text} ({message.location['url']})")

    page.on("console", on_console)
    first = page.goto(console_url, wait_until="networkidle")
    assert first is not None and first.status == 200
    headers = first.headers
    assert headers["content-type"].startswith("text/html")
    assert headers["cache-control"] == "no-cache"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    own = [a for a in answers if a.url.startswith(console_url)]
    files = [a for a in own if not a.url.startswith(console_url + "api/")]
    assert len(files) >= 2, [a.url for a in answers]  # the page and at least its script
    assert all(a.status < 400 for a in files), [(a.url, a.status) for a in files]
    refused = [(a.url, a.status) for a in own if a.status >= 400]
    assert all(url == console_url + SESSION_PROBE for url, _ in refused), refused
    assert not problems, problems
    # An app route (no file) is the app too, so a reload or a shared link works.
    deep = page.goto(console_url + "some/app/route?x=1", wait_until="networkidle")
    assert deep is not None and deep.status == 200
    assert not problems, problems
    screenshot("index", page)
