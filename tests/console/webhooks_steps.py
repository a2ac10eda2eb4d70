"""The journey's steps with webhooks: an admin makes an endpoint for a receiver on
127.0.0.1 (its secret shown once, with a copy button), turns it off and on (the change is
itself an event it subscribed to, so a message arrives), reads the message and its
attempt, replays it, rotates the secret and deletes the endpoint."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from standardwebhooks.webhooks import Webhook

from tests.console.conftest import Screenshot
from tests.webhooks.receiver import receiving


def manage(admin: Page, screenshot: Screenshot) -> None:
    admin.get_by_role("navigation", name="Team and admin").get_by_role(
        "link", name="Webhooks"
    ).click()
    expect(admin.get_by_role("heading", name="Webhooks", level=1)).to_be_visible()
    expect(admin.get_by_text("No webhook endpoints.")).to_be_visible()
    # A refused URL says why beside the input.
    admin.get_by_label("Endpoint URL").fill("http://169.254.169.254/latest")
    admin.get_by_role("button", name="Create endpoint").click()
    expect(admin.get_by_text("cloud metadata address").first).to_be_visible()
    with receiving() as receiver:
        admin.get_by_label("Endpoint URL").fill(receiver.url)
        admin.get_by_label("Description").fill("CRM sync")
        admin.get_by_label("webhook.endpoint.updated").check()
        admin.get_by_role("button", name="Create endpoint").click()
        notice = admin.get_by_role("status").filter(has_text="not shown again")
        expect(notice).to_contain_text("whsec_")
        expect(notice.get_by_role("button", name="Copy secret")).to_be_visible()
        secret = notice.locator("code").inner_text()
        row = admin.get_by_role("row").filter(has_text=receiver.url)
        expect(row).to_contain_text("enabled")
        screenshot("admin-webhooks", admin)
        row.get_by_role("button", name="Disable").click()
        expect(row).to_contain_text("disabled")
        row.get_by_role("button", name="Enable").click()
        expect(row).to_contain_text("enabled")
        row.get_by_role("button", name="Messages").click()
        messages = admin.locator(".webhook-messages")
        message = messages.get_by_role("row").filter(has_text="webhook.endpoint.updated")
        expect(message).to_contain_text("succeeded", timeout=30_000)
        got = receiver.received[-1]
        assert Webhook(secret).verify(got.body, got.headers)["type"] == "webhook.endpoint.updated"
        message.get_by_role("button", name="Attempts").click()
        expect(messages.get_by_role("cell", name="200", exact=True)).to_be_visible()
        screenshot("admin-webhook-messages", admin)
        message.get_by_role("button", name="Replay").click()
        # Attempts: the first, then the replay's.
        expect(message.get_by_role("cell").nth(2)).to_have_text("2", timeout=30_000)
    row.get_by_role("button", name="Rotate secret").click()
    expect(admin.get_by_role("status").filter(has_text="not shown again")).not_to_contain_text(
        secret
    )
    row.get_by_role("button", name=f"Delete {receiver.url}").click()
    expect(admin.get_by_text("No webhook endpoints.")).to_be_visible()
