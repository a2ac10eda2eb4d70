"""The console's main pages checked with axe-core (the console's dev dependency) in
Chromium: no serious or critical accessibility violation (labels, contrast, names of
buttons and links, landmarks). axe is injected as a script, which the gateway's CSP
would refuse, so this one browser profile bypasses the CSP; the journey checks the CSP."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from services.runtime.config import ROOT
from tests.console.browser import VIEWPORT, email, sign_up
from tests.console.conftest import NewContext
from tests.console.files_steps import choose

AXE = ROOT / "console" / "node_modules" / "axe-core" / "axe.min.js"


def violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core is missing: run `make console`")
def test_main_pages_have_no_serious_accessibility_violations(new_context: NewContext) -> None:
    page = new_context(viewport=VIEWPORT, bypass_csp=True).new_page()
    page.goto("/signup")
    expect(page.get_by_role("heading", name=re.compile("account"))).to_be_visible()
    problems = {"/signup": violations(page)}
    sign_up(page, email("axe"), "Axe")
    sample = page.get_by_role("link", name=re.compile("Sample base"))
    expect(sample).to_be_visible(timeout=30_000)
    problems["/bases"] = violations(page)
    sample.click()
    expect(page.get_by_role("table", name=re.compile("records"))).to_be_visible()
    page.get_by_role("button", name="Add record").click()
    problems["records grid"] = violations(page)
    for path, ready in [
        ("/assistant", page.get_by_label("Message")),
        ("/account", page.get_by_label("Current password")),
        ("/admin/users", page.get_by_role("cell", name=re.compile("@example.com"))),
        ("/admin/invitations", page.get_by_label("Email to invite")),
        ("/admin/api-keys", page.get_by_label("Key name")),
        ("/admin/workspaces", page.get_by_role("heading", name=re.compile("workspace"), level=2)),
        ("/admin/webhooks", page.get_by_label("Endpoint URL")),
        ("/admin/sagas", page.get_by_text("user_onboarding for")),
        ("/admin/health", page.get_by_role("cell", name="airtable")),
        ("/admin/audit", page.get_by_role("cell", name="auth.signed_in")),
    ]:
        page.goto(path)
        expect(ready.first).to_be_visible()
        problems[path] = violations(page)
    workflows(page, problems)
    files(page, problems)
    workspaces(page, problems)
    assert {path: found for path, found in problems.items() if found} == {}


def workflows(page: Page, problems: dict[str, list[str]]) -> None:
    """The workflows list (empty, then with one), the editor showing the API's refusal
    beside a step's input, and a workflow's page with a run opened to its steps."""
    page.goto("/workflows")
    expect(page.get_by_text("No workflows yet.")).to_be_visible()
    problems["/workflows (empty)"] = violations(page)
    page.get_by_role("link", name="New workflow").click()
    page.get_by_label("Name", exact=True).fill("Axe check")
    page.get_by_label("Step 1 message").fill("hello")
    page.get_by_role("button", name="Add a step").click()
    page.get_by_label("Step 2 type").select_option("condition")
    page.get_by_label("Step 2 formula").fill("{A} >")
    page.get_by_role("button", name="Advanced settings of step 2").click()
    page.get_by_role("button", name="Create workflow").click()
    expect(page.get_by_label("Step 2 formula")).to_have_attribute("aria-invalid", "true")
    problems["/workflows/new (refused)"] = violations(page)
    page.get_by_label("Step 2 formula").fill("{A} > 1")
    page.get_by_role("button", name="Create workflow").click()
    expect(page.get_by_role("heading", name="Axe check", level=1)).to_be_visible()
    page.get_by_label("Run input (JSON object, optional)").fill('{"A": 2}')
    page.get_by_role("button", name="Run now").click()
    expect(page.locator("details.run > summary").first).to_contain_text("succeeded", timeout=30_000)
    problems["workflow page with a run"] = violations(page)
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Step 2 formula")).to_have_value("{A} > 1")
    problems["workflow editor"] = violations(page)
    page.goto("/workflows")
    expect(page.get_by_role("switch", name="Enabled: Axe check")).to_be_visible()
    problems["/workflows"] = violations(page)


def files(page: Page, problems: dict[str, list[str]]) -> None:
    """The files page with a refused upload, then with a file listed and read."""
    page.goto("/files")
    expect(page.get_by_text("No files yet.")).to_be_visible()
    picker = page.get_by_label("File to upload")
    choose(picker, "a.pdf", b"no", "application/pdf")
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Not uploaded.")
    problems["/files (refused)"] = violations(page)
    choose(picker, "a.csv", b"A,B\n1,2\n", "text/csv")
    page.get_by_role("button", name="Upload", exact=True).click()
    page.get_by_role("button", name="Read a.csv").click()
    expect(page.get_by_role("table", name="a.csv: 2 rows")).to_be_visible()
    problems["/files"] = violations(page)


def workspaces(page: Page, problems: dict[str, list[str]]) -> None:
    """A base made in no workspace (the Bases page's workspace select), then the admin
    Workspaces page offering it for linking beside the linked bases and the members' role
    selects; and a link the API refuses, its message shown."""
    page.goto("/bases")
    page.get_by_label("Workspace", exact=True).select_option(
        label="No workspace (tenant admins only)"
    )
    page.get_by_label("New base name").fill("Axe loose")
    page.get_by_role("button", name="Create base").click()
    expect(page.get_by_role("heading", name="Axe loose", level=1)).to_be_visible()
    page.goto("/admin/workspaces")
    expect(page.get_by_label(re.compile("^Role of .+ in ")).first).to_be_visible()
    expect(page.get_by_role("list", name=re.compile("^Bases of ")).first).to_be_visible()
    link = page.get_by_label("Link a base")
    expect(link.locator("option", has_text="Axe loose")).to_have_count(1)
    problems["/admin/workspaces (a base to link)"] = violations(page)
    page.get_by_label("New workspace name").fill("Axe other")
    page.get_by_role("button", name="Create workspace").click()
    heading = page.get_by_role("heading", name="Axe other", level=2)
    other = page.get_by_role("article").filter(has=heading)
    other.get_by_label("Link a base").select_option(label="Sample base")
    other.get_by_role("button", name="Link", exact=True).click()
    expect(other.get_by_role("alert")).to_contain_text("unlink it there first")
    problems["/admin/workspaces (link refused)"] = violations(page)
