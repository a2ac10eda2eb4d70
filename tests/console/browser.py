"""What every step of the console's browser journey (test_journey.py) uses: people who
sign up, and a watch on each browser's console. Waits are Playwright's auto-waiting
assertions only."""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import ConsoleMessage, Page, expect

from tests.console.conftest import Screenshot

PASSWORD = "correct horse battery"
VIEWPORT = {"width": 1280, "height": 800}


def email(who: str) -> str:
    return f"{who}-{secrets.token_hex(4)}@example.com"


class Watch:
    """What would be wrong in a browser's console: an uncaught error, or anything the
    gateway's Content-Security-Policy refused. (A refused API call is logged as a failed
    resource too; the journey asserts on each of those itself.)"""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def page(self, page: Page) -> Page:
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("console", self._console)
        return page

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.problems.append(f"console: {message.text}")


def sign_up(page: Page, address: str, first: str) -> None:
    page.goto("/signup")
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill("Tester")
    page.get_by_label("Email").fill(address)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/bases$"))


def sign_up_page_errors(page: Page, screenshot: Screenshot) -> None:
    """The API's field violations appear beside the inputs they are about."""
    page.goto("/signup")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("alert")).to_contain_text("Please correct the 4 highlighted fields")
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    expect(
        page.locator(".field-invalid").filter(has=page.get_by_label("Password"))
    ).to_contain_text("at least 8 characters")
    expect(
        page.locator(".field-invalid").filter(has=page.get_by_label("First name"))
    ).to_contain_text("required")
    screenshot("signup-errors", page)
