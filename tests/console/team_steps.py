"""The journey's steps of a team: the admin pages, an invitation accepted in another
browser, a member's password, sign-out, and another tenant who sees none of it."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from tests.console.browser import PASSWORD, email, sign_up
from tests.console.conftest import Screenshot


def admin_pages(admin: Page, admin_email: str, screenshot: Screenshot) -> None:
    """Every admin page, each with its content there before its screenshot."""
    # The admin pages, each looked at.
    admin.get_by_role("link", name="Team & admin").click()
    expect(admin.get_by_role("cell", name=admin_email, exact=True)).to_be_visible()
    screenshot("admin-users", admin)
    for link, shown, name in [
        ("API keys", "No API keys.", "api-keys"),
        ("Workspaces", "Ada's workspace", "admin-workspaces"),
        ("Onboarding sagas", f"user_onboarding for {admin_email}", "admin-sagas"),
        ("Mesh health", "airtable", "admin-health"),
    ]:
        admin.get_by_role("navigation", name="Team and admin").get_by_role(
            "link", name=link
        ).click()
        expect(admin.get_by_role("heading", name=link, level=1)).to_be_visible()
        expect(admin.get_by_text(shown).first).to_be_visible()
        if name == "api-keys":
            api_keys(admin, screenshot)
            continue
        if name == "admin-workspaces":
            expect(admin.locator(".members")).to_contain_text(admin_email)
        if name == "admin-sagas":
            admin.locator("details summary").first.click()
            expect(admin.locator(".steps li")).to_have_count(4)
            expect(admin.locator(".steps")).to_contain_text("link_sample_base")
        screenshot(name, admin)


def api_keys(admin: Page, screenshot: Screenshot) -> None:
    """A key for a script: its secret shown once, then listed by prefix; revoked."""
    admin.get_by_label("Key name").fill("nightly export")
    admin.get_by_role("button", name="Create key").click()
    expect(admin.get_by_role("status")).to_contain_text("tmk_")
    row = admin.get_by_role("row").filter(has_text="nightly export")
    expect(row).to_be_visible()
    screenshot("admin-api-keys", admin)
    row.get_by_role("button", name="Revoke nightly export").click()
    expect(row).to_contain_text("revoked")


def invite(admin: Page, member_email: str, screenshot: Screenshot) -> str:
    """An invitation: its link, shown once to copy."""
    # An invitation, accepted in a second browser.
    admin.get_by_role("navigation", name="Team and admin").get_by_role(
        "link", name="Invitations"
    ).click()
    admin.get_by_label("Email to invite").fill(member_email)
    admin.get_by_role("button", name="Invite").click()
    invitation_link = admin.locator(".invitation-link")
    expect(invitation_link).to_contain_text("/invite#token=")
    expect(admin.get_by_role("cell", name=member_email, exact=True)).to_be_visible()
    screenshot("admin-invitations", admin)
    invitation_url = invitation_link.inner_text()

    return invitation_url


def accept(member: Page, invitation_url: str, screenshot: Screenshot) -> None:
    """The invitee joins from the link: in no workspace yet, sees none of the team's bases
    (and why), nor the admin pages."""
    member.goto(invitation_url)
    member.get_by_label("First name").fill("Grace")
    member.get_by_label("Last name").fill("Hopper")
    member.get_by_label("Password").fill(PASSWORD)
    screenshot("accept-invitation", member)
    member.get_by_role("button", name="Accept invitation").click()
    expect(member).to_have_url(re.compile(r"/bases$"))
    expect(member.get_by_text("You are in no workspace yet")).to_be_visible()
    expect(member.get_by_role("link", name=re.compile("Sample base"))).to_have_count(0)
    expect(member.get_by_role("button", name="Create base")).to_have_count(0)
    expect(member.get_by_role("link", name="Team & admin")).to_have_count(0)
    member.goto("/admin/users")
    expect(member.get_by_role("heading", name="Not allowed")).to_be_visible()
    screenshot("member-not-allowed", member)


def change_password(member: Page, member_email: str, screenshot: Screenshot) -> None:
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


def manage_member(admin: Page, member_email: str, screenshot: Screenshot) -> None:
    """The admin demotes the member, then deactivates and reactivates the account."""
    admin.get_by_role("navigation", name="Team and admin").get_by_role("link", name="Users").click()
    role = admin.get_by_label(f"Role of {member_email}")
    role.select_option("viewer")
    expect(role).to_have_value("viewer")
    row = admin.get_by_role("row").filter(has_text=member_email)
    row.get_by_role("button", name="Deactivate").click()
    expect(row).to_contain_text("deactivated")
    row.get_by_role("button", name="Reactivate").click()
    expect(row).to_contain_text("active")
    expect(row.get_by_role("button", name="Deactivate")).to_be_visible()
    screenshot("admin-users-team", admin)


def sign_out(admin: Page, admin_email: str, screenshot: Screenshot) -> None:
    """Sign-out ends the session: a reload does not bring it back. A wrong password then
    gets the API's message; the right one signs in again."""
    admin.get_by_role("button", name="Sign out").click()
    expect(admin).to_have_url(re.compile(r"/signin$"))
    admin.goto("/bases")
    expect(admin).to_have_url(re.compile(r"/signin$"))
    admin.get_by_label("Email").fill(admin_email)
    admin.get_by_label("Password").fill("not the password")
    admin.get_by_label("Password").press("Enter")
    expect(admin.get_by_role("alert")).to_contain_text("Invalid email or password")
    screenshot("signin", admin)
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_label("Password").press("Enter")
    expect(admin).to_have_url(re.compile(r"/bases$"))
    admin.get_by_role("button", name="Sign out").click()
    expect(admin).to_have_url(re.compile(r"/signin$"))


def sees_only_own_tenant(other: Page, others: list[str]) -> None:
    """A user of another tenant: its own sample base only, no records, no users of ours."""
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
    for address in others:
        expect(other.get_by_text(address)).to_have_count(0)


def audit_log(admin: Page, member_email: str, screenshot: Screenshot) -> None:
    """The admin's audit log shows the member's role change (recorded from the event bus
    moments after it, so the page is reloaded until it is there), and filters by action."""
    admin.get_by_role("navigation", name="Team and admin").get_by_role(
        "link", name="Audit log"
    ).click()
    expect(admin.get_by_role("heading", name="Audit log")).to_be_visible()
    admin.get_by_label("Action").fill("user.role_changed")
    admin.get_by_role("button", name="Apply filters").click()
    rows = admin.get_by_role("row").filter(has_text="user.role_changed")
    deadline = time.monotonic() + 30
    while rows.count() == 0 and time.monotonic() < deadline:
        admin.get_by_label("Action").fill("user.")
        admin.get_by_role("button", name="Apply filters").click()
        admin.get_by_label("Action").fill("user.role_changed")
        admin.get_by_role("button", name="Apply filters").click()
        admin.wait_for_timeout(300)
    expect(rows.first).to_be_visible()
    expect(rows.first).to_contain_text("success")
    expect(admin.get_by_role("row").filter(has_text="auth.signed_in")).to_have_count(0)
    screenshot("admin-audit", admin)
