"""Text and rows read from each type, as plain Python; archives are checked before any
parser opens them; the parsers load only when a file of their type is read."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from services.automation.files.extract import extract
from services.automation.files.extract.collected import MAX_ROWS, TEXT_BUDGET_BYTES, Collected
from services.automation.files.kinds import KINDS
from services.runtime.errors import InvalidArgument
from tests.automation.files import documents


def read(extension: str, data: bytes, name: str = "f") -> Collected:
    return extract(KINDS[extension], io.BytesIO(data), f"{name}.{extension}")


def rows_of(found: Collected) -> dict[str, list[list[str]]]:
    return {t.name: t.rows for t in found.tables}


def test_text() -> None:
    found = read("txt", "First line.\nSecond: été\n".encode())
    assert found.text == "First line.\nSecond: été\n"
    assert found.tables == [] and not found.text_truncated


def test_csv_rows_quoted_fields_and_a_byte_order_mark() -> None:
    data = '\ufeffname,notes\nAtlas,"12,5 h"\nBoreas,"two\nlines"\n'.encode()
    found = read("csv", data, "hours")
    assert rows_of(found) == {
        "hours.csv": [["name", "notes"], ["Atlas", "12,5 h"], ["Boreas", "two\nlines"]]
    }
    assert found.tables[0].row_count == 3
    assert found.text.startswith("name,notes\n")


def test_xlsx_every_sheets_rows_as_text() -> None:
    data = documents.xlsx(
        {"Projects": [["Name", "Hours"], ["Atlas", 12.5], ["Boreas", 3]], "Empty": []}
    )
    found = read("xlsx", data)
    assert rows_of(found) == {
        "Projects": [["Name", "Hours"], ["Atlas", "12.5"], ["Boreas", "3"]],
        "Empty": [],
    }
    assert "Atlas\t12.5\n" in found.text


def test_docx_paragraphs_and_tables() -> None:
    data = documents.docx_file(
        ["Quarterly report", "All good."], table=[["Name", "Hours"], ["Atlas", "12"]]
    )
    found = read("docx", data)
    assert found.text == "Quarterly report\nAll good.\n"
    assert rows_of(found) == {"table 1": [["Name", "Hours"], ["Atlas", "12"]]}


def test_pdf_pages_text() -> None:
    found = read("pdf", documents.pdf(["Quarterly report", "Page two"]))
    assert found.text == "Quarterly report\fPage two"
    assert found.tables == []


def test_a_long_file_is_cut_and_says_so_but_every_row_is_counted() -> None:
    data = "".join(f"{i},{'x' * 200}\n" for i in range(MAX_ROWS + 500)).encode()
    found = read("csv", data)
    table = found.tables[0]
    assert len(table.rows) == MAX_ROWS and table.row_count == MAX_ROWS + 500
    assert found.rows_truncated
    assert found.text_truncated and len(found.text.encode()) == TEXT_BUDGET_BYTES


@pytest.mark.parametrize(
    ("extension", "member"),
    [("xlsx", "xl/worksheets/sheet1.xml"), ("docx", "word/document.xml")],
)
def test_an_xml_bomb_is_refused_before_parsing(extension: str, member: str) -> None:
    office = (
        documents.xlsx({"Sheet": [["a"]]}) if extension == "xlsx" else documents.docx_file(["a"])
    )
    with pytest.raises(InvalidArgument) as raised:
        read(extension, documents.billion_laughs(office, member))
    assert raised.value.reason == "ARCHIVE_REFUSED"
    assert "declares a document type or entities" in raised.value.message


def test_a_zip_bomb_is_refused_before_parsing() -> None:
    bomb = documents.zip_bomb(documents.docx_file(["a"]))
    with pytest.raises(InvalidArgument, match="unpacks to more than 100 times"):
        read("docx", bomb)


@pytest.mark.parametrize("extension", ["xlsx", "docx", "pdf"])
def test_a_damaged_file_is_bad_input_that_names_no_parser_internals(extension: str) -> None:
    good = {
        "xlsx": documents.xlsx({"S": [["a"]]}),
        "docx": documents.docx_file(["a"]),
        "pdf": documents.pdf(["a"]),
    }[extension]
    damaged = good[:40] + bytes(len(good) - 80) + good[-40:]
    with pytest.raises(InvalidArgument) as raised:
        read(extension, damaged)
    message = raised.value.message
    assert "Error" not in message and "/" not in message.replace("/docx", "")
    assert extension in message.lower() or "zip" in message


def test_the_parsers_load_only_when_a_file_of_their_type_is_read() -> None:
    script = (
        "import sys\n"
        "import services.automation.main, io\n"
        "heavy = ('openpyxl', 'docx', 'pypdf', 'lxml')\n"
        "assert not [m for m in heavy if m in sys.modules], sys.modules.keys() & set(heavy)\n"
        "from services.automation.files.extract import extract\n"
        "from services.automation.files.kinds import KINDS\n"
        "extract(KINDS['csv'], io.BytesIO(b'a,b\\n'), 'x.csv')\n"
        "assert not [m for m in heavy if m in sys.modules]\n"
        "print('lazy')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.strip() == "lazy", done.stderr[-2000:]
