"""The console's journey in a real browser (Chromium through Playwright) against the mesh
through Envoy: sign-up, the onboarding's sample base, records, a formula filter and a
refused formula, a streamed chat with a tool call, a workflow made, run and refused, a
file refused, then one uploaded, read, downloaded and deleted, a webhook endpoint made,
delivered to and replayed, an invitation accepted in a second browser, a member kept out
of the admin pages, a base made in a new workspace (which the member, given a role there,
sees until it is unlinked), a viewer who reads the workflows only, sign-out; and a second
tenant who sees none of it. Screenshots of every main page go to test-artifacts/console/.
Every wait is one of Playwright's auto-waiting assertions: no sleeps. The steps:
files_steps, tables_steps, team_steps, usage_steps, webhooks_steps, workflows_steps,
workspaces_steps."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.console import (
    files_steps,
    tables_steps,
    team_steps,
    usage_steps,
    webhooks_steps,
    workflows_steps,
    workspaces_steps,
)
from tests.console.browser import VIEWPORT, Watch, email, sign_up, sign_up_page_errors
from tests.console.conftest import NewContext, Screenshot
from tests.llm.fake_openai import FakeOpenAI, Reply


@pytest.fixture
def release_answer() -> threading.Event:
    """Set by the test to let the model double finish the answer it is streaming."""
    return threading.Event()


@pytest.fixture
def scripted_model(
    openai_server: FakeOpenAI, release_answer: threading.Event
) -> Iterator[FakeOpenAI]:
    """The model double answers every chat with a list_tables call, then a sentence, whose
    stream stops after its first piece until the test releases it: what the page shows
    meanwhile is the answer streaming in."""

    def respond(body: dict[str, Any]) -> Reply:
        if body["messages"][-1]["role"] == "user":
            found = re.search(r"app[A-Za-z0-9]{14}", str(body["messages"]))
            base_id = found.group(0) if found else "appAAAAAAAAAAAAAA"
            return Reply(tool_calls=[("list_tables", {"base_id": base_id})])
        text = "Your sample base has one table, Tasks, with your records in it."
        return Reply(text=text, hold=release_answer)

    openai_server.responder = respond
    yield openai_server
    release_answer.set()  # a test that failed mid-answer leaves no stream held
    openai_server.reset()


# The journey is long (tables, assistant, workflows, a team): on a busy 2-core machine the
# mesh's boot (it is the first test to use it) and the steps pass the default 300 s.
@pytest.mark.timeout(600)
def test_console_journey(
    new_context: NewContext,
    console_url: str,
    scripted_model: FakeOpenAI,
    release_answer: threading.Event,
    screenshot: Screenshot,
) -> None:
    watch = Watch()

    def person() -> Page:
        """Another person: a browser profile of their own, watched."""
        return watch.page(new_context(viewport=VIEWPORT).new_page())

    admin = person()
    sign_up_page_errors(admin, screenshot)
    admin_email = email("ada")
    sign_up(admin, admin_email, "Ada")

    # Onboarding's saga makes the sample base; the page shows it once it is there.
    sample = admin.get_by_role("link", name=re.compile("Sample base"))
    expect(sample).to_be_visible(timeout=30_000)
    screenshot("bases", admin)
    # A reload restores the session from the refresh cookie; no token in web storage.
    admin.reload()
    expect(sample).to_be_visible()
    storage = admin.evaluate("() => JSON.stringify({...localStorage, ...sessionStorage})")
    assert "token" not in storage and "tmr_" not in storage

    tables_steps.records(admin, screenshot)
    tables_steps.paging(admin, console_url, admin_email)
    tables_steps.assistant(admin, release_answer, screenshot)
    workflows_steps.create_and_run(admin, screenshot)
    workflows_steps.record_trigger(admin, screenshot)
    workflows_steps.refused(admin, screenshot)
    files_steps.upload_read_download_delete(admin, screenshot)
    team_steps.admin_pages(admin, admin_email, screenshot)
    webhooks_steps.manage(admin, screenshot)

    member_email = email("grace")
    invitation_url = team_steps.invite(admin, member_email, screenshot)
    member = person()
    team_steps.accept(member, invitation_url, screenshot)
    team_steps.change_password(member, member_email, screenshot)
    usage_steps.own_usage(member, screenshot)
    workspaces_steps.base_in_workspace(
        admin, member, member_email, console_url, admin_email, screenshot
    )
    team_steps.manage_member(admin, member_email, screenshot)
    team_steps.audit_log(admin, member_email, screenshot)
    usage_steps.team_usage(admin, screenshot)
    workflows_steps.viewer_reads_only(member, screenshot)  # manage_member made them a viewer
    team_steps.sign_out(admin, admin_email, screenshot)

    other = person()
    team_steps.sees_only_own_tenant(other, [admin_email, member_email])
    workflows_steps.none_of_theirs(other)
    assert watch.problems == []
