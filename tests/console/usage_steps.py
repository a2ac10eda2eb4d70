"""The journey's usage step: the admin's Usage page shows the team's figures, the chat and
records the journey made among them (they arrive within seconds: the page refreshes); a
member's shows only their own."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.console.conftest import Screenshot

# The analytics' pipeline lag (seconds) plus one refresh of the page (15 s).
ARRIVAL_MS = 60_000


def today_of(page: Page, figure: str) -> Locator:
    """The 'Today' cell of a figure's row."""
    row = page.get_by_role("row", name=re.compile(f"^{figure}"))
    return row.get_by_role("cell").first


def team_usage(admin: Page, screenshot: Screenshot) -> None:
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="Usage").click()
    expect(admin.get_by_role("heading", name="Team usage", level=1)).to_be_visible()
    for figure in ("Chat turns", "Records created", "API calls", "Active users"):
        expect(today_of(admin, figure)).not_to_have_text("0", timeout=ARRIVAL_MS)
    per_user = admin.get_by_role("table", name="Per user per day")
    expect(per_user).to_be_visible()
    expect(per_user).to_contain_text("Ada Tester")  # people by name, not by id
    screenshot("usage-team", admin)


def own_usage(member: Page, screenshot: Screenshot) -> None:
    member.get_by_role("navigation", name="Main").get_by_role("link", name="Usage").click()
    expect(member.get_by_role("heading", name="Your usage", level=1)).to_be_visible()
    expect(member.get_by_role("row", name=re.compile("^Active users"))).to_have_count(0)
    expect(today_of(member, "Chat turns")).to_have_text("0")
    screenshot("usage-own", member)
