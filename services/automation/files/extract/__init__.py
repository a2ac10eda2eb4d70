"""Text and rows read from a stored file, in plain Python (no gRPC, no database).

Each type's reader is imported only when a file of that type is read: pypdf, openpyxl and
python-docx stay out of an idle service's memory.
"""

from __future__ import annotations

import importlib
from typing import BinaryIO

from services.automation.files.extract.collected import Collected
from services.automation.files.kinds import Kind
from services.runtime import logs
from services.runtime.errors import DomainError, InvalidArgument

log = logs.get("extract")

READERS = {
    "txt": "services.automation.files.extract.text:read_text",
    "csv": "services.automation.files.extract.text:read_csv",
    "xlsx": "services.automation.files.extract.sheets:read_xlsx",
    "docx": "services.automation.files.extract.documents:read_docx",
    "pdf": "services.automation.files.extract.pdf:read_pdf",
}


def extract(kind: Kind, source: BinaryIO, name: str) -> Collected:
    """What can be read from `source` (a file of type `kind`, called `name`)."""
    module, _, function = READERS[kind.extension].partition(":")
    reader = getattr(importlib.import_module(module), function)
    collected = Collected()
    try:
        reader(source, name, kind, collected)
    except DomainError:
        raise
    except Exception as exc:  # noqa: BLE001 - a file its parser cannot read is bad input
        # The parser's own words stay in the log: they name its classes and internals.
        log.info("file unreadable", kind=kind.extension, error=repr(exc)[:300])
        raise InvalidArgument(
            f"the file cannot be read as .{kind.extension}: it is damaged or not such a file",
            reason="FILE_UNREADABLE",
        ) from exc
    return collected
