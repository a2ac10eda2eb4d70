"""The journey's steps in a base and with the assistant: fields and records, the
formula filter, a streamed chat."""

from __future__ import annotations

import re
import threading

import httpx
from playwright.sync_api import Page, expect

from tests.console.browser import PASSWORD
from tests.console.conftest import Screenshot

QUESTION = "What tables are in this base?"


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


def records(admin: Page, screenshot: Screenshot) -> None:
    """Fields and records in the sample base: rendering by type, keyboard editing,
    delete, sort; then a formula filter and a formula the API refuses."""
    admin.get_by_role("link", name=re.compile("Sample base")).click()
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


def paging(admin: Page, console_url: str, email: str) -> None:
    """More records than a page holds (made through the API, 10 a call): the pager walks
    the API's page tokens forward and back."""
    found = re.search(r"/bases/(\w+)/tables/(\w+)", admin.url)
    assert found, admin.url
    records = f"api/v1/bases/{found.group(1)}/tables/{found.group(2)}/records"
    with httpx.Client(base_url=console_url, timeout=15) as api:
        login = api.post("api/v1/auth/login", json={"email": email, "password": PASSWORD})
        headers = {"authorization": f"Bearer {login.json()['access_token']}"}
        for batch in range(3):
            names = [{"fields": {"Name": f"Bulk {batch * 10 + i:02d}"}} for i in range(10)]
            api.post(records, json={"records": names}, headers=headers).raise_for_status()
    admin.reload()
    rows = admin.get_by_role("table", name=re.compile("records")).locator("tbody tr")
    pager = admin.get_by_role("navigation", name="Pages")
    expect(rows).to_have_count(25)
    expect(pager).to_contain_text("Page 1")
    expect(pager.get_by_role("button", name="Previous page")).to_be_disabled()
    pager.get_by_role("button", name="Next page").click()
    expect(pager).to_contain_text("Page 2")
    expect(rows).to_have_count(32 - 25)
    expect(pager.get_by_role("button", name="Next page")).to_be_disabled()
    pager.get_by_role("button", name="Previous page").click()
    expect(rows).to_have_count(25)


def assistant(admin: Page, release_answer: threading.Event, screenshot: Screenshot) -> None:
    """A chat: the answer streams in (its first piece shows while the model still holds
    the rest), the tool call's card; a budget; the history again."""
    admin.get_by_role("link", name="Assistant", exact=True).click()
    admin.get_by_label("Message").fill(QUESTION)
    admin.get_by_role("button", name="Send").click()
    answer = admin.locator(".turn-assistant").last
    expect(answer.locator(".turn-text")).to_have_text("Your s")
    expect(admin.get_by_role("button", name="Stop")).to_be_visible()
    expect(answer.locator("details.tool-card")).to_contain_text("list_tables")
    screenshot("assistant-streaming", admin)
    release_answer.set()
    expect(answer).to_contain_text("one table, Tasks")
    expect(admin.get_by_role("button", name="Send")).to_be_visible()
    card = answer.locator("details.tool-card")
    expect(card).to_contain_text("list_tables")
    card.locator("summary").click()
    expect(card.get_by_text("Arguments")).to_be_visible()
    expect(card).to_contain_text('"base_id"')
    expect(admin).to_have_url(re.compile(r"/assistant/[\w-]+$"))
    expect(admin.get_by_role("navigation", name="Chat sessions")).to_contain_text(QUESTION)
    screenshot("assistant", admin)

    # Costs and budgets: a daily budget, and the session's history read back.
    admin.get_by_label("New limit in US dollars").first.fill("5")
    admin.get_by_role("button", name="Set").first.click()
    daily = re.compile(r"Your daily budget: \$0\.0\d* of \$5\.00")
    expect(admin.get_by_text(daily)).to_be_visible()
    admin.get_by_role("link", name="New chat").click()
    expect(admin.locator(".turn")).to_have_count(0)
    sessions = admin.get_by_role("navigation", name="Chat sessions")
    sessions.get_by_role("link", name=re.compile(QUESTION.rstrip("?"))).click()
    expect(admin.locator(".turn-user")).to_have_text(re.compile(QUESTION.rstrip("?")))
    expect(admin.locator(".turn-assistant details.tool-card")).to_contain_text("list_tables")
    expect(admin.locator(".turn-assistant")).to_contain_text("one table, Tasks")
