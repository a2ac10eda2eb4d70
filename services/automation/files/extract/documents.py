"""docx: the paragraphs' text and each table's rows, with python-docx."""

from __future__ import annotations

from typing import BinaryIO

from services.automation.files.archives import open_checked
from services.automation.files.extract.collected import Collected
from services.automation.files.kinds import Kind


def read_docx(source: BinaryIO, name: str, kind: Kind, out: Collected) -> None:
    import docx

    archive = open_checked(source, kind.members)
    archive.close()
    source.seek(0)
    document = docx.Document(source)
    for paragraph in document.paragraphs:
        out.add_text(paragraph.text + "\n")
    for number, found in enumerate(document.tables, 1):
        table = out.table(f"table {number}")
        for row in found.rows:
            out.add_row(table, [cell.text for cell in row.cells])
