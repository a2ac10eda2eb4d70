"""The journey's steps with workspaces: the admin makes a workspace, creates a base in it
from the Bases page, finds it among the workspace's linked bases on the admin Workspaces
page, adds the invited member (until then in no workspace) and changes their role (the
member then sees the base on their own Bases page), and unlinks the base (which the
member then no longer sees). What the page shows is checked against what the REST API
stored."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from playwright.sync_api import Locator, Page, expect

from tests.console.browser import PASSWORD
from tests.console.conftest import Screenshot

WORKSPACE = "Design"
BASE = "Plans"


@contextmanager
def api_as(console_url: str, email: str, password: str = PASSWORD) -> Iterator[httpx.Client]:
    """A REST client signed in as the user."""
    with httpx.Client(base_url=console_url, timeout=15) as api:
        login = api.post("api/v1/auth/login", json={"email": email, "password": password})
        login.raise_for_status()
        api.headers["authorization"] = f"Bearer {login.json()['access_token']}"
        yield api


def get(api: httpx.Client, path: str) -> dict[str, Any]:
    reply = api.get(path, params={"page_size": 100})
    reply.raise_for_status()
    body: dict[str, Any] = reply.json()
    return body


def workspace_card(admin: Page, name: str) -> Locator:
    heading = admin.get_by_role("heading", name=name, exact=True, level=2)
    return admin.get_by_role("article").filter(has=heading)


def base_in_workspace(
    admin: Page,
    member: Page,
    member_email: str,
    console_url: str,
    admin_email: str,
    screenshot: Screenshot,
) -> None:
    admin_pages = admin.get_by_role("navigation", name="Team and admin")
    admin.get_by_role("link", name="Team & admin").click()
    admin_pages.get_by_role("link", name="Workspaces").click()
    admin.get_by_label("New workspace name").fill(WORKSPACE)
    admin.get_by_role("button", name="Create workspace").click()
    card = workspace_card(admin, WORKSPACE)
    expect(card.locator(".members")).to_contain_text(admin_email)
    expect(card).to_contain_text(f"No bases linked to {WORKSPACE}.")

    # A base made from the Bases page, in the workspace chosen there.
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="Bases").click()
    workspace = admin.get_by_label("Workspace", exact=True)
    expect(workspace).to_contain_text("No workspace (tenant admins only)")
    workspace.select_option(label=WORKSPACE)
    admin.get_by_label("New base name").fill(BASE)
    admin.get_by_role("button", name="Create base").click()
    expect(admin.get_by_role("heading", name=BASE, level=1)).to_be_visible()
    found = re.search(r"/bases/(app\w{14})", admin.url)
    assert found, admin.url
    base_id = found.group(1)

    with api_as(console_url, admin_email) as api:
        workspaces = get(api, "api/v1/workspaces")["workspaces"]
        workspace_id = next(w["id"] for w in workspaces if w["name"] == WORKSPACE)
        linked = get(api, f"api/v1/workspaces/{workspace_id}/bases")["linked_bases"]
        assert [b["base_id"] for b in linked] == [base_id]

        # The admin Workspaces page lists it among the workspace's bases, by name.
        admin.get_by_role("link", name="Team & admin").click()
        admin_pages.get_by_role("link", name="Workspaces").click()
        bases = card.get_by_role("list", name=f"Bases of {WORKSPACE}")
        expect(bases.get_by_role("link", name=BASE, exact=True)).to_be_visible()
        # A base linked here is not offered for linking here.
        offered = card.get_by_label("Link a base")
        expect(offered.locator("option", has_text=BASE)).to_have_count(0)

        # The member joins the workspace, then their role changes in place.
        card.get_by_label("Add a member").select_option(label=member_email)
        card.get_by_label("Role", exact=True).select_option("member")
        card.get_by_role("button", name="Add", exact=True).click()
        role = card.get_by_label(f"Role of {member_email} in {WORKSPACE}")
        expect(role).to_have_value("member")
        role.select_option("viewer")
        expect(role).to_be_enabled()  # disabled while the change is on its way
        expect(role).to_have_value("viewer")
        expect(card.get_by_role("alert")).to_have_count(0)
        screenshot("admin-workspaces-bases", admin)
        members = get(api, f"api/v1/workspaces/{workspace_id}/members")["members"]
        assert {m["role"] for m in members if m["role"] != "owner"} == {"viewer"}
        assert len(members) == 2

        # As a viewer of the workspace, the member sees its base.
        member.goto("/bases")
        expect(member.get_by_role("link", name=re.compile(f"^{BASE}"))).to_be_visible()

        # Unlinked, the base stays (a tenant admin's, in no workspace): gone from the
        # workspace, offered for linking again, and out of the member's sight.
        card.get_by_role("button", name=f"Unlink {BASE} from {WORKSPACE}").click()
        expect(card).to_contain_text(f"No bases linked to {WORKSPACE}.")
        expect(offered.locator("option", has_text=BASE)).to_have_count(1)
        assert get(api, f"api/v1/workspaces/{workspace_id}/bases").get("linked_bases", []) == []
        assert base_id in [b["id"] for b in get(api, "api/v1/bases")["bases"]]
    member.reload()
    expect(member.get_by_text("No bases yet.")).to_be_visible()
    expect(member.get_by_role("link", name=re.compile(f"^{BASE}"))).to_have_count(0)
    # Off the Bases page, which looks again every few seconds while it has nothing to show:
    # the admin deactivates this member next, and a request made in that window would
    # rightly end their session (the later steps go on with it).
    member.goto("/account")
    expect(member.get_by_role("heading", name="Your account")).to_be_visible()
