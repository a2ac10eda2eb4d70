"""The journey's steps with files: a PDF whose bytes are not a PDF refused with the API's
reason and nothing listed; a CSV uploaded, listed, read back as rows, downloaded with its
bytes intact, and deleted."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import FilePayload, Locator, Page, expect

from tests.console.conftest import Screenshot

CSV = b"Name,Amount\nWidget,120\nGadget,80\n"


def choose(picker: Locator, name: str, data: bytes, mime: str) -> None:
    """Chooses a file of `name` and `data` in the file input, as a person would."""
    picker.set_input_files(files=FilePayload(name=name, mimeType=mime, buffer=data))


def upload_read_download_delete(admin: Page, screenshot: Screenshot) -> None:
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="Files").click()
    expect(admin.get_by_role("heading", name="Files", level=1)).to_be_visible()
    expect(admin.get_by_text("No files yet.")).to_be_visible()
    picker = admin.get_by_label("File to upload")
    upload = admin.get_by_role("button", name="Upload", exact=True)
    expect(upload).to_be_disabled()

    choose(picker, "report.pdf", b"hello", "application/pdf")
    upload.click()
    refusal = admin.get_by_role("alert")
    expect(refusal).to_contain_text("Not uploaded.")
    expect(refusal).to_contain_text("does not match the extension .pdf")
    screenshot("files-refused", admin)
    expect(admin.get_by_text("No files yet.")).to_be_visible()

    choose(picker, "orders.csv", CSV, "text/csv")
    expect(admin.get_by_role("alert")).to_have_count(0)  # choosing again clears the refusal
    upload.click()
    expect(admin.get_by_role("status").filter(has_text="Uploaded orders.csv.")).to_be_visible()
    files = admin.get_by_role("table", name="Files, oldest first")
    row = files.get_by_role("row").filter(has_text="orders.csv")
    expect(row).to_contain_text("text/csv")
    expect(row).to_contain_text(f"{len(CSV)} bytes")

    row.get_by_role("button", name="Read orders.csv").click()
    rows = admin.get_by_role("table", name="orders.csv: 3 rows")
    expect(rows.get_by_role("columnheader")).to_have_text(["Name", "Amount"])
    expect(rows.get_by_role("row").nth(1)).to_have_text("Widget120")
    screenshot("files", admin)

    with admin.expect_download() as download:
        row.get_by_role("button", name="Download orders.csv").click()
    assert download.value.suggested_filename == "orders.csv"
    assert Path(download.value.path()).read_bytes() == CSV

    row.get_by_role("button", name="Delete orders.csv").click()
    expect(admin.get_by_text("No files yet.")).to_be_visible()
