"""The file types the service takes, by extension: what each one's bytes must look like
and the content type its bytes are served with."""

from __future__ import annotations

from dataclasses import dataclass

from services.runtime.config import FILE_EXTENSIONS


@dataclass(frozen=True)
class Kind:
    """One file type."""

    extension: str  # without the dot: "pdf"
    content_type: str
    # Text types are UTF-8 without NUL characters; the others are known by their magic
    # numbers (puremagic).
    text: bool = False
    # The members an Office (zip) file of this type always has: a zip of another kind
    # (a .docx renamed .xlsx) lacks them.
    members: tuple[str, ...] = ()

    @property
    def archive(self) -> bool:
        return bool(self.members)


KINDS: dict[str, Kind] = {
    k.extension: k
    for k in (
        Kind("txt", "text/plain; charset=utf-8", text=True),
        Kind("csv", "text/csv; charset=utf-8", text=True),
        Kind("pdf", "application/pdf"),
        Kind(
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            members=("[Content_Types].xml", "xl/workbook.xml"),
        ),
        Kind(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            members=("[Content_Types].xml", "word/document.xml"),
        ),
    )
}
# The settings name the same types (TABLEMESH_FILES_ALLOWED_EXTENSIONS is checked there).
assert tuple(KINDS) == FILE_EXTENSIONS
