"""Plain text and CSV: decoded as UTF-8 (the upload checked it), read as a stream."""

from __future__ import annotations

import csv
import io
from typing import BinaryIO

from services.automation.files.extract.collected import Collected
from services.automation.files.kinds import Kind
from services.runtime.errors import InvalidArgument

# A field longer than this is not a table anyone meant (the csv default is 128 KiB).
MAX_FIELD_CHARS = 1024 * 1024
READ_CHARS = 64 * 1024


def _lines(source: BinaryIO) -> io.TextIOWrapper:
    # utf-8-sig: a byte order mark (Excel writes one) is not part of the first cell.
    return io.TextIOWrapper(source, encoding="utf-8-sig", errors="replace", newline="")


def read_text(source: BinaryIO, name: str, kind: Kind, out: Collected) -> None:
    text = _lines(source)
    while not out.text_full and (part := text.read(READ_CHARS)):
        out.add_text(part)


def read_csv(source: BinaryIO, name: str, kind: Kind, out: Collected) -> None:
    text = _lines(source)
    table = out.table(name)
    csv.field_size_limit(MAX_FIELD_CHARS)
    try:
        for row in csv.reader(text):
            out.add_row(table, row)
    except csv.Error as exc:
        raise InvalidArgument(
            f"the CSV cannot be read at row {table.row_count + 1}: {exc}"
        ) from None
    # The text of a CSV file is the file itself.
    text.seek(0)
    while not out.text_full and (part := text.read(READ_CHARS)):
        out.add_text(part)
