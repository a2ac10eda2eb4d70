"""Browser tests of the console: Playwright driving Debian's Chromium (`make chromium`;
Playwright cannot download its own browsers here) against the shared end-to-end mesh,
through Envoy, as a user's browser would reach it.

Fixtures: `browser` (one Chromium per module; the tests here use Playwright's sync API),
`new_context` (a fresh browser profile: its own cookies and storage, so two people can be
signed in at once), `page` (a page in a fresh context), `console_url` (the mesh's
gateway) and `screenshot(name, page)` (a PNG under test-artifacts/console/, kept for a
person to look at).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from services.runtime.config import ROOT
from tests.e2e.mesh import Mesh

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "console"
# Headless, no sandbox (the tests may run as root), and nothing of Chromium's own talking
# to the network (updates, sync, field trials), so every request seen is the console's.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Seconds a Playwright action or expectation waits by default.
TIMEOUT_MS = 15_000

NewContext = Callable[..., BrowserContext]
Screenshot = Callable[..., Path]


# Playwright's sync API runs an event loop in this thread while it is started: started
# once per session it would stay, and every async test after it would fail ("cannot be
# called from a running event loop"). So it lives for one module (the tests here are
# sync; a module of them starts Chromium once, about a second).
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make chromium` (apt-get install chromium)")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def console_url(e2e_mesh: Mesh) -> str:
    """The console's address: the shared mesh's Envoy, where the API is too."""
    return e2e_mesh.base_url + "/"


@pytest.fixture
def new_context(browser: Browser, console_url: str) -> Iterator[NewContext]:
    """Makes fresh browser contexts (separate cookies and storage) with relative URLs
    resolved against the console; all closed after the test."""
    made: list[BrowserContext] = []

    def make(**options: object) -> BrowserContext:
        context = browser.new_context(base_url=console_url, **options)  # type: ignore[arg-type]
        context.set_default_timeout(TIMEOUT_MS)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def page(new_context: NewContext) -> Page:
    return new_context().new_page()


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Screenshot:
    """screenshot(name, page) -> the PNG written to test-artifacts/console/<name>.png."""

    def take(name: str, page: Page, *, full_page: bool = True) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{safe}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
