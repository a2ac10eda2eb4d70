"""The console's journey in a real browser (Chromium through Playwright) against the mesh
through Envoy: sign-up, the onboarding's sample base, records, a formula filter and a
refused formula, a streamed chat with a tool call, an invitation accepted in a second
browser, a member kept out of the admin pages, sign-out; and a second tenant who sees
none of it. Screenshots of every main page go to test-artifacts/console/. Every wait is
one of Playwright's auto-waiting assertions: no sleeps."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.console.conftest import NewContext, Screenshot
from tests.llm.fake_openai import FakeOpenAI, Reply

PASSWORD = "correct horse battery"
VIEWPORT = {"width": 1280, "height": 800}


def email(who: str) -> str:
    return f"{who}-{secrets.token_hex(4)}@example.com"


@pytest.fixture
def scripted_model(openai_server: FakeOpenAI) -> Iterator[FakeOpenAI]:
    """The model double answers every chat with a list_tables call, then a sentence."""

    def respond(body: dict[str, Any]) -> Reply:
        if body["messages"][-1]["role"] == "user":
            found = re.search(r"app[A-Za-z0-9]{14}", str(body["messages"]))
            base_id = found.group(0) if found else "appAAAAAAAAAAAAAA"
            return Reply(tool_calls=[("list_tables", {"base_id": base_id})])
        return Reply(text="Your sample base has one table, Tasks, with your records in it.")

    openai_server.responder = respond
    yield openai_server
    openai_server.reset()


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


def add_field(page: Page, name: str, kind: str, choices: str = "") -> None:
    page.get_by_role("button", name="Add field").click()
    form = page.get_by_role("form", name="New field")
    form.get_by_label("Field name").fill(name)
    form.get_by_label("Field type").select_option(label=kind)
    if choices:
        form.get_by_label("Choices").fill(choices)
    form.get_by_role("button", name="Save field").click()
    expect(page.get_by_role("columnheader", name=re.compile(f"^{name}"))).to_be_visible()
    page.get_by_role("button", name="Add field", expanded=True).click()


def add_record(page: Page, name: str, notes: str, done: bool, hours: str, priority: str) -> None:
    page.get_by_role("button", name="Add record").click()
    form = page.get_by_role("form", name="New record")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Notes").fill(notes)
    if done:
        form.get_by_label("Done").check()
    form.get_by_label("Hours").fill(hours)
    form.get_by_label("Priority").select_option(priority)
    form.get_by_role("button", name="Save record").click()
    expect(page.get_by_role("table").get_by_text(name, exact=True)).to_be_visible()
    form.get_by_role("button", name="Close").click()


def test_console_journey(
    new_context: NewContext,
    scripted_model: FakeOpenAI,
    screenshot: Screenshot,
) -> None:
    watch = Watch()
    admin = watch.page(new_context(viewport=VIEWPORT).new_page())
    sign_up_page_errors(admin, screenshot)
    admin_email = email("ada")
    sign_up(admin, admin_email, "Ada")

    # Onboarding's saga makes the sample base; the page shows it once it is there.
    sample = admin.get_by_role("link", name=re.compile("Sample base"))
    expect(sample).to_be_visible(timeout=30_000)
    screenshot("bases", admin)

    # A reload restores the session from the refresh cookie (the access token is in memory only).
    admin.reload()
    expect(sample).to_be_visible()
    assert "access_token" not in str(admin.evaluate("() => ({...localStorage, ...sessionStorage})"))

    sample.click()
    grid = admin.get_by_role("table", name=re.compile("records"))
    expect(grid).to_be_visible()
    add_field(admin, "Hours", "Number")
    add_field(admin, "Priority", "Single select", "High, Low")
    add_record(admin, "Write the report", "Two pages,\nwith figures", True, "1250", "High")
    add_record(admin, "Plan the offsite", "Somewhere quiet", False, "3", "Low")
    add_record(admin, "Order the cake", "Chocolate", False, "1", "Low")
    # Field types as Airtable shows them: a grouped number, a select chip.
    expect(grid.get_by_role("cell", name="1,250")).to_be_visible()
    expect(grid.locator(".chip", has_text="High")).to_be_visible()

    # Edit a cell from the keyboard: the arrows move between cells, Enter edits, Enter saves.
    grid.get_by_role("cell", name="Order the cake", exact=True).focus()
    admin.keyboard.press("ArrowRight")
    expect(grid.get_by_role("cell", name="Chocolate")).to_be_focused()
    admin.keyboard.press("Enter")
    editor = grid.get_by_label("Notes of Order the cake")
    editor.fill("Lemon")
    editor.press("Enter")
    expect(grid.get_by_role("cell", name="Lemon")).to_be_visible()

    # Delete a record.
    admin.get_by_role("button", name="Delete Order the cake").click()
    expect(grid.get_by_text("Order the cake")).to_have_count(0)

    # Sort by Name (ascending): Plan before Write.
    grid.get_by_role("button", name=re.compile("^Name")).click()
    expect(grid.locator("tbody tr").first).to_contain_text("Plan the offsite")
    screenshot("records", admin)

    # Filter with a formula: only the finished task is left.
    formula = admin.get_by_label("Filter by formula")
    formula.fill("{Done}")
    admin.get_by_role("button", name="Apply").click()
    expect(grid.get_by_text("Write the report")).to_be_visible()
    expect(grid.get_by_text("Plan the offsite")).to_have_count(0)
    screenshot("records-filtered", admin)

    # An invalid formula: the API's message, and a caret under the position it names.
    formula.fill("AND({Done},")
    admin.get_by_role("button", name="Apply").click()
    problem = admin.get_by_role("alert").filter(has_text="The formula has an error")
    expect(problem).to_contain_text("expected a value")
    expect(problem.locator(".caret")).to_have_text(" " * 11 + "^")
    screenshot("records-formula-error", admin)
    admin.get_by_role("button", name="Clear").click()

    # Chat: the streamed answer and the tool call's card.
    admin.get_by_role("link", name="Assistant", exact=True).click()
    admin.get_by_label("Message").fill("What tables are in this base?")
    admin.get_by_role("button", name="Send").click()
    answer = admin.locator(".turn-assistant").last
    expect(answer).to_contain_text("one table, Tasks")
    card = answer.locator("details.tool-card")
    expect(card).to_contain_text("list_tables")
    card.locator("summary").click()
    expect(card.get_by_text("Arguments")).to_be_visible()
    expect(card).to_contain_text('"base_id"')
    expect(admin).to_have_url(re.compile(r"/assistant/[\w-]+$"))
    expect(admin.get_by_role("navigation", name="Chat sessions")).to_contain_text(
        "What tables are in this base?"
    )
    screenshot("assistant", admin)

    # Costs and budgets: a daily budget, and the session's history read back.
    admin.get_by_label("New limit in US dollars").first.fill("5")
    admin.get_by_role("button", name="Set").first.click()
    daily = re.compile(r"Your daily budget: \$0\.0\d* of \$5\.00")
    expect(admin.get_by_text(daily)).to_be_visible()
    admin.get_by_role("link", name="New chat").click()
    expect(admin.locator(".turn")).to_have_count(0)
    sessions = admin.get_by_role("navigation", name="Chat sessions")
    sessions.get_by_role("link", name=re.compile("What tables are in this base")).click()
    expect(admin.locator(".turn-user")).to_have_text(re.compile("What tables are in this base"))
    expect(admin.locator(".turn-assistant details.tool-card")).to_contain_text("list_tables")
    expect(admin.locator(".turn-assistant")).to_contain_text("one table, Tasks")

    # The admin pages, each looked at.
    admin.get_by_role("link", name="Team & admin").click()
    expect(admin.get_by_role("cell", name=admin_email, exact=True)).to_be_visible()
    screenshot("admin-users", admin)
    for link, shown, name in [
        ("API keys", "No API keys.", "admin-api-keys"),
        ("Workspaces", "Ada's workspace", "admin-workspaces"),
        ("Onboarding sagas", f"user_onboarding for {admin_email}", "admin-sagas"),
        ("Mesh health", "airtable", "admin-health"),
    ]:
        admin.get_by_role("navigation", name="Team and admin").get_by_role(
            "link", name=link
        ).click()
        expect(admin.get_by_role("heading", name=link, level=1)).to_be_visible()
        expect(admin.get_by_text(shown).first).to_be_visible()
        if name == "admin-workspaces":
            expect(admin.locator(".members")).to_contain_text(admin_email)
        if name == "admin-sagas":
            admin.locator("details summary").first.click()
            expect(admin.locator(".steps li")).to_have_count(5)
        screenshot(name, admin)

    # An invitation, accepted in a second browser.
    admin.get_by_role("navigation", name="Team and admin").get_by_role(
        "link", name="Invitations"
    ).click()
    member_email = email("grace")
    admin.get_by_label("Email to invite").fill(member_email)
    admin.get_by_role("button", name="Invite").click()
    invitation_link = admin.locator(".invitation-link")
    expect(invitation_link).to_contain_text("/invitations/")
    expect(admin.get_by_role("cell", name=member_email, exact=True)).to_be_visible()
    screenshot("admin-invitations", admin)
    invitation_url = invitation_link.inner_text()

    member = watch.page(new_context(viewport=VIEWPORT).new_page())
    member.goto(invitation_url)
    member.get_by_label("First name").fill("Grace")
    member.get_by_label("Last name").fill("Hopper")
    member.get_by_label("Password").fill(PASSWORD)
    screenshot("accept-invitation", member)
    member.get_by_role("button", name="Accept invitation").click()
    expect(member).to_have_url(re.compile(r"/bases$"))
    expect(member.get_by_role("link", name=re.compile("Sample base"))).to_be_visible()
    expect(member.get_by_role("link", name="Team & admin")).to_have_count(0)
    member.goto("/admin/users")
    expect(member.get_by_role("heading", name="Not allowed")).to_be_visible()
    screenshot("member-not-allowed", member)

    # The member changes the password: every session ends, this one too; the new one works.
    member.get_by_role("link", name=re.compile("grace-")).click()
    member.get_by_label("Current password").fill(PASSWORD)
    member.get_by_label("New password").fill(PASSWORD + " 2")
    screenshot("account", member)
    member.get_by_role("button", name="Change password").click()
    expect(member.get_by_role("status")).to_contain_text("Your password was changed")
    member.get_by_label("Email").fill(member_email)
    member.get_by_label("Password").fill(PASSWORD + " 2")
    member.get_by_role("button", name="Sign in").click()
    expect(member.get_by_role("heading", name="Your account")).to_be_visible()

    # Sign-out ends the session: a reload does not bring it back.
    admin.get_by_role("button", name="Sign out").click()
    expect(admin).to_have_url(re.compile(r"/signin$"))
    admin.goto("/bases")
    expect(admin).to_have_url(re.compile(r"/signin$"))
    screenshot("signin", admin)

    # Another tenant sees none of it: its own sample base only, no records, no users.
    other = watch.page(new_context(viewport=VIEWPORT).new_page())
    sign_up(other, email("mallory"), "Mallory")
    expect(other.get_by_role("link", name=re.compile("Sample base"))).to_have_count(
        1, timeout=30_000
    )
    other.get_by_role("link", name=re.compile("Sample base")).click()
    expect(other.get_by_role("table", name=re.compile("records"))).to_be_visible()
    expect(other.get_by_text("No records yet")).to_be_visible()
    expect(other.get_by_text("Write the report")).to_have_count(0)
    other.goto("/admin/users")
    expect(other.locator("table.list tbody tr")).to_have_count(1)
    expect(other.get_by_text(admin_email)).to_have_count(0)
    expect(other.get_by_text(member_email)).to_have_count(0)
    assert watch.problems == []


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
