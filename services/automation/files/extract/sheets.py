"""xlsx: each sheet's rows, with openpyxl in read-only mode (rows stream from the zip)."""

from __future__ import annotations

import datetime as dt
from typing import Any, BinaryIO

from services.automation.files.archives import open_checked
from services.automation.files.extract.collected import Collected
from services.automation.files.kinds import Kind


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def read_xlsx(source: BinaryIO, name: str, kind: Kind, out: Collected) -> None:
    import openpyxl

    archive = open_checked(source, kind.members)
    archive.close()
    source.seek(0)
    # data_only: a formula's cached value, what a person sees in the cell.
    workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            table = out.table(sheet.title)
            for values in sheet.iter_rows(values_only=True):
                cells = [cell_text(v) for v in values]
                while cells and cells[-1] == "":
                    cells.pop()
                out.add_row(table, cells)
                out.add_text("\t".join(cells) + "\n")
    finally:
        workbook.close()
