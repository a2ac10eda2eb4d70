"""pdf: each page's text, with pypdf (pages separated by a form feed)."""

from __future__ import annotations

from typing import BinaryIO

from services.automation.files.extract.collected import Collected
from services.automation.files.kinds import Kind
from services.runtime.errors import InvalidArgument


def read_pdf(source: BinaryIO, name: str, kind: Kind, out: Collected) -> None:
    import pypdf
    from pypdf.errors import PdfReadError

    try:
        reader = pypdf.PdfReader(source)
        if reader.is_encrypted:
            raise InvalidArgument("the PDF is encrypted; upload it without a password")
        for number, page in enumerate(reader.pages):
            if out.text_full:
                break
            out.add_text(("\f" if number else "") + page.extract_text())
    except (PdfReadError, ValueError, KeyError) as exc:
        raise InvalidArgument("the PDF is damaged and cannot be read") from exc
