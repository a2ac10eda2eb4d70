"""The journey's steps with workflows: a manual workflow made in the editor (a condition
and a log step), run with an input until its run has succeeded, its steps opened; a bad
one whose problems show beside the inputs they are about; a viewer who reads the list and
whose write is refused."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.console.conftest import Screenshot

WORKFLOW = "Big orders"


def field(page: Page, label: str) -> Locator:
    """The .field box around the input labelled `label` (with its hint and its error)."""
    return page.locator(".field").filter(has=page.get_by_label(label, exact=True))


def create_and_run(admin: Page, screenshot: Screenshot) -> None:
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="Workflows").click()
    expect(admin.get_by_role("heading", name="Workflows", level=1)).to_be_visible()
    expect(admin.get_by_text("No workflows yet.")).to_be_visible()
    admin.get_by_role("link", name="New workflow").click()
    form = admin.get_by_role("form", name="New workflow")
    form.get_by_label("Name", exact=True).fill(WORKFLOW)
    form.get_by_label("Description").fill("Log the orders over 100")
    expect(form.get_by_label("Start this workflow")).to_have_value("manual")
    # Step 1 is a log step at first: make it the condition, then a log step after it.
    form.get_by_label("Step 1 name").fill("big?")
    form.get_by_label("Step 1 type").select_option(label="Continue only if (condition)")
    form.get_by_label("Step 1 formula").fill("{Amount} > 100")
    form.get_by_role("button", name="Add a step").click()
    expect(form.get_by_role("heading", name="Step 2", exact=True)).to_be_focused()
    form.get_by_label("Step 2 name").fill("say")
    form.get_by_label("Step 2 message").fill("big order of {{trigger.Amount}}")
    form.get_by_role("button", name="Advanced settings of step 2").click()
    form.get_by_label("Step 2 attempts").fill("2")
    screenshot("workflow-new", admin)
    form.get_by_role("button", name="Create workflow").click()

    # The workflow's page: its trigger and steps; Run now with an input.
    expect(admin.get_by_role("heading", name=WORKFLOW, level=1)).to_be_visible()
    expect(admin.locator(".facts")).to_contain_text("Manual")
    expect(admin.locator(".facts")).to_contain_text("big? (condition) → say (log)")
    expect(admin.get_by_text("No runs yet.")).to_be_visible()
    admin.get_by_label("Run input (JSON object, optional)").fill("{Amount: 150}")
    admin.get_by_role("button", name="Run now").click()
    expect(field(admin, "Run input (JSON object, optional)")).to_contain_text("not valid JSON")
    admin.get_by_label("Run input (JSON object, optional)").fill('{"Amount": 150}')
    admin.get_by_role("button", name="Run now").click()
    # The run opens by itself and is looked at again until it has ended.
    runs = admin.get_by_role("list", name="Runs, newest first")
    run = runs.locator("details.run").first
    expect(run.locator(":scope > summary")).to_contain_text("succeeded", timeout=30_000)
    expect(run.locator(":scope > summary")).to_contain_text("manual")
    expect(run.locator(":scope > summary")).to_contain_text(re.compile(r"took \d"))
    steps = run.locator(".step-run")
    expect(steps).to_have_count(2)
    expect(steps.nth(0)).to_contain_text("big?")
    expect(steps.nth(0)).to_contain_text("succeeded")
    expect(steps.nth(0).get_by_text("Output")).to_be_visible()
    expect(steps.nth(0)).to_contain_text('"result": true')
    expect(steps.nth(1)).to_contain_text("succeeded")
    expect(steps.nth(1)).to_contain_text("1 attempt")
    expect(steps.nth(1).locator(".step-logs")).to_contain_text("big order of 150")
    screenshot("workflow-run", admin)

    # A small order: the condition is false, the log step is skipped.
    admin.get_by_label("Run input (JSON object, optional)").fill('{"Amount": 50}')
    admin.get_by_role("button", name="Run now").click()
    expect(runs.locator("details.run")).to_have_count(2)
    small = runs.locator("details.run").first
    expect(small.locator(".step-run").nth(1)).to_contain_text("skipped", timeout=30_000)
    expect(small.locator(".step-run").nth(0)).to_contain_text('"result": false')

    fail_and_retry(admin, runs, screenshot)

    # The list: its trigger, its last run; paused and on again from the toggle.
    admin.get_by_role("link", name="Workflows", exact=True).first.click()
    row = admin.get_by_role("row").filter(has_text=WORKFLOW)
    expect(row).to_contain_text("Manual")
    expect(row).to_contain_text("succeeded")
    toggle = row.get_by_role("switch", name=f"Enabled: {WORKFLOW}")
    expect(toggle).to_be_checked()
    with admin.expect_response(lambda r: "update_mask=enabled" in r.url) as saved:
        toggle.uncheck()
    assert saved.value.ok, saved.value.status
    expect(row).to_contain_text("Paused")
    admin.reload()  # what the API kept, not what the page remembers
    expect(toggle).not_to_be_checked(timeout=15_000)
    screenshot("workflows", admin)
    toggle.check()
    expect(row).to_contain_text("On")


def fail_and_retry(admin: Page, runs: Locator, screenshot: Screenshot) -> None:
    """An edit adds a step that updates a record that is not there: the run fails at it,
    with the API's error. The step is removed again, and the failed run retried from the
    start succeeds."""
    admin.get_by_role("link", name="Edit").click()
    form = admin.get_by_role("form", name="Edit workflow")
    expect(form.get_by_label("Step 2 message")).to_have_value("big order of {{trigger.Amount}}")
    form.get_by_role("button", name="Add a step").click()
    form.get_by_label("Step 3 name").fill("touch")
    form.get_by_label("Step 3 type").select_option(label="Update records")
    form.get_by_label("Step 3 base").select_option(label="Sample base")
    form.get_by_label("Step 3 table").select_option(label="Tasks")
    records = '[{"id": "{{trigger.record}}", "fields": {"Notes": "big"}}]'
    form.get_by_label("Step 3 records (JSON)").fill(records)
    form.get_by_role("button", name="Save changes").click()
    expect(admin.locator(".facts")).to_contain_text("→ touch (update_records)")
    missing = "rec" + "0" * 14
    admin.get_by_label("Run input (JSON object, optional)").fill(
        f'{{"Amount": 150, "record": "{missing}"}}'
    )
    admin.get_by_role("button", name="Run now").click()
    failed = runs.locator("details.run").first
    expect(failed.locator(":scope > summary")).to_contain_text("failed", timeout=30_000)
    expect(failed.locator(".step-run").nth(2)).to_contain_text("not found")
    expect(failed.locator(".step-run").nth(1)).to_contain_text("succeeded")
    expect(failed.get_by_role("button", name="Retry from the failed step")).to_be_visible()
    screenshot("workflow-run-failed", admin)

    admin.get_by_role("link", name="Edit").click()
    admin.get_by_role("button", name="Remove step 3").click()
    admin.get_by_role("button", name="Save changes").click()
    expect(admin.locator(".facts")).not_to_contain_text("touch")
    failed = runs.locator("details.run").first
    expect(failed.locator(":scope > summary")).to_contain_text("failed")
    failed.locator(":scope > summary").click()
    failed.get_by_role("button", name="Retry from the start").click()
    expect(failed.locator(":scope > summary")).to_contain_text("succeeded", timeout=30_000)
    expect(failed.locator(".step-run")).to_have_count(2)
    expect(failed.get_by_role("button", name="Retry from the start")).to_have_count(0)


def record_trigger(admin: Page, screenshot: Screenshot) -> None:
    """A workflow started by new records of the sample base's Tasks table (base and table
    picked by name), its two steps swapped with Move up; a record added in the grid
    starts it."""
    admin.get_by_role("link", name="New workflow").click()
    form = admin.get_by_role("form", name="New workflow")
    form.get_by_label("Name", exact=True).fill("New tasks")
    form.get_by_label("Start this workflow").select_option(label="When records change")
    form.get_by_label("Trigger base").select_option(label="Sample base")
    form.get_by_label("Trigger table").select_option(label="Tasks")
    expect(form.get_by_label("A record is created")).to_be_checked()
    form.get_by_label("Step 1 name").fill("say")
    form.get_by_label("Step 1 message").fill("new task {{trigger.fields.Name}}")
    form.get_by_role("button", name="Add a step").click()
    form.get_by_label("Step 2 name").fill("tell me")
    form.get_by_label("Step 2 type").select_option(label="Send a notification")
    form.get_by_label("Step 2 notification title").fill("New task")
    form.get_by_label("Step 2 notification body").fill("{{trigger.fields.Name}}")
    form.get_by_role("button", name="Move step 2 up").click()
    expect(form.get_by_label("Step 1 name")).to_have_value("tell me")
    # The keyboard stays with the moved step (its Move up is disabled now: its heading).
    expect(form.get_by_role("heading", name="Step 1 · tell me")).to_be_focused()
    expect(form.get_by_label("Step 2 message")).to_have_value("new task {{trigger.fields.Name}}")
    screenshot("workflow-record-trigger", admin)
    # A step that writes to the very table that starts the workflow: refused, and said
    # above the steps (no one input is wrong).
    form.get_by_role("button", name="Add a step").click()
    form.get_by_label("Step 3 type").select_option(label="Create records")
    form.get_by_label("Step 3 base").select_option(label="Sample base")
    form.get_by_label("Step 3 table").select_option(label="Tasks")
    form.get_by_label("Step 3 records (JSON)").fill('[{"Name": "again"}]')
    form.get_by_role("button", name="Create workflow").click()
    loop = form.locator(".steps-editor > .section-errors")
    expect(loop).to_contain_text("writes to the table that triggers the workflow")
    expect(loop).to_be_focused()
    form.get_by_role("button", name="Remove step 3").click()
    form.get_by_role("button", name="Create workflow").click()
    expect(admin.locator(".facts")).to_contain_text("Records created in Tasks")
    expect(admin.locator(".facts")).to_contain_text("tell me (notify) → say (log)")
    page_url = admin.url

    admin.get_by_role("link", name="Bases").click()
    admin.get_by_role("link", name=re.compile("Sample base")).click()
    admin.get_by_role("button", name="Add record").click()
    new_record = admin.get_by_role("form", name="New record")
    new_record.get_by_label("Name").fill("Buy the flowers")
    new_record.get_by_role("button", name="Save record").click()
    # Saved (the form empties; the grid's first page is full already): its run shows it.
    expect(new_record.get_by_label("Name")).to_have_value("")
    new_record.get_by_role("button", name="Close").click()

    admin.goto(page_url)
    run = admin.locator("details.run").first
    expect(run.locator(":scope > summary")).to_contain_text("succeeded", timeout=45_000)
    expect(run.locator(":scope > summary")).to_contain_text("record")
    run.locator(":scope > summary").click()
    expect(run.locator(".step-run").nth(1).locator(".step-logs")).to_contain_text(
        "new task Buy the flowers"
    )
    admin.get_by_role("link", name="Workflows", exact=True).first.click()


def refused(admin: Page, screenshot: Screenshot) -> None:
    """Records that are not JSON are caught before sending; a formula the API refuses
    shows beside step 2's formula, not elsewhere; a bad time zone beside the time zone."""
    admin.get_by_role("link", name="New workflow").click()
    form = admin.get_by_role("form", name="New workflow")
    form.get_by_label("Name", exact=True).fill("Broken")
    form.get_by_label("Step 1 message").fill("hello")
    form.get_by_role("button", name="Add a step").click()
    form.get_by_label("Step 2 type").select_option("condition")
    form.get_by_label("Step 2 formula").fill("{Amount} >")
    form.get_by_role("button", name="Add a step").click()
    form.get_by_label("Step 3 type").select_option("create_records")
    form.get_by_label("Step 3 base").select_option(label="Sample base")
    expect(form.get_by_label("Step 3 table")).to_be_enabled()
    form.get_by_label("Step 3 table").select_option(label="Tasks")
    form.get_by_label("Step 3 records (JSON)").fill('[{"Name": "x",}]')
    form.get_by_role("button", name="Create workflow").click()
    expect(field(admin, "Step 3 records (JSON)")).to_contain_text("This is not valid JSON")
    expect(form.get_by_label("Step 3 records (JSON)")).to_be_focused()
    expect(form.get_by_label("Step 3 records (JSON)")).to_have_attribute("aria-invalid", "true")

    # Step 3 removed: the API's violation of step 2's formula shows beside it.
    form.get_by_role("button", name="Remove step 3").click()
    expect(form.get_by_role("heading", name="Step 2", exact=True)).to_be_focused()
    form.get_by_role("button", name="Create workflow").click()
    expect(form.get_by_role("alert")).to_contain_text("Please correct the highlighted field below")
    formula = form.get_by_label("Step 2 formula")
    expect(formula).to_have_attribute("aria-invalid", "true")
    expect(formula).to_be_focused()  # the first input with a problem, scrolled to
    expect(field(admin, "Step 2 formula").locator(".field-error")).to_contain_text(
        "expected a value"
    )
    expect(form.get_by_label("Step 1 message")).not_to_have_attribute("aria-invalid", "true")
    expect(form.locator(".field-error")).to_have_count(1)
    screenshot("workflow-refused", admin)

    # On a schedule in a time zone that does not exist: that violation shows beside the
    # time zone, the formula's still beside the formula.
    form.get_by_label("Start this workflow").select_option(label="On a schedule")
    form.get_by_label("Cron").fill("0 9 * * 1-5")
    form.get_by_label("Time zone").fill("Mars/Olympus")
    form.get_by_role("button", name="Create workflow").click()
    expect(form.get_by_role("alert")).to_contain_text("Please correct the 2 highlighted fields")
    expect(field(admin, "Time zone").locator(".field-error")).to_contain_text(
        "Unknown time zone 'Mars/Olympus'"
    )
    expect(form.get_by_label("Cron")).not_to_have_attribute("aria-invalid", "true")
    expect(field(admin, "Step 2 formula").locator(".field-error")).to_contain_text(
        "expected a value"
    )
    expect(form.locator(".field-error")).to_have_count(2)
    expect(form.get_by_label("Time zone")).to_be_focused()
    form.get_by_role("button", name="Cancel").click()
    expect(admin.get_by_role("row").filter(has_text="Broken")).to_have_count(0)


def viewer_reads_only(viewer: Page, screenshot: Screenshot) -> None:
    """A viewer sees the team's workflows without their controls; a write is refused
    with the API's message."""
    viewer.goto("/workflows")
    row = viewer.get_by_role("row").filter(has_text=WORKFLOW)
    expect(row).to_be_visible()
    expect(viewer.get_by_text("members and admins create and change them")).to_be_visible()
    expect(viewer.get_by_role("link", name="New workflow")).to_have_count(0)
    expect(row.get_by_role("switch")).to_be_disabled()
    screenshot("workflows-viewer", viewer)
    viewer.goto("/workflows/new")
    form = viewer.get_by_role("form", name="New workflow")
    form.get_by_label("Name", exact=True).fill("Mine")
    form.get_by_label("Step 1 message").fill("hi")
    form.get_by_role("button", name="Create workflow").click()
    expect(form.get_by_role("alert")).to_contain_text("made and run by members and admins")


def none_of_theirs(other: Page) -> None:
    """Another tenant's user: no workflow of ours."""
    other.goto("/workflows")
    expect(other.get_by_text("No workflows yet.")).to_be_visible()
    expect(other.get_by_text(WORKFLOW)).to_have_count(0)
