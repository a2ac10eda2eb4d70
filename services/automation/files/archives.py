"""Office files are zip archives: their directory is checked before anything unpacks them.

A zip bomb packs gigabytes into kilobytes; an XML bomb ("billion laughs") declares
entities that expand to gigabytes. Neither is opened: too many entries, too much unpacked
in all, an entry that unpacks to far more than it packs, or XML with a document type
declaration (OOXML never has one) is refused. zipfile never unpacks more of an entry than
the size its directory declares, so checking the declared sizes bounds what is unpacked.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterable
from typing import BinaryIO

from services.runtime.errors import InvalidArgument

MAX_ENTRIES = 10_000
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
# An entry may unpack to at most this many times its packed size once it is bigger than
# SMALL_ENTRY_BYTES (a small entry cannot do harm whatever its ratio).
MAX_RATIO = 100
SMALL_ENTRY_BYTES = 1024 * 1024
# The directory of MAX_ENTRIES entries fits in this much of the file's end, with the end
# record and its longest comment.
TAIL_BYTES = 2 * 1024 * 1024
# How far into each XML member a document type declaration is looked for (it must come
# before the root element).
XML_PROLOGUE_BYTES = 64 * 1024


class ArchiveRefused(InvalidArgument):
    default_reason = "ARCHIVE_REFUSED"


class WrongArchive(Exception):
    """Not a zip archive of the expected type; `why` says how (for the caller's message)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def check_entries(entries: Iterable[zipfile.ZipInfo], required: tuple[str, ...]) -> None:
    """Refuses an archive whose directory says it unpacks to too much, or that lacks the
    members its type always has."""
    names: set[str] = set()
    unpacked = 0
    for count, entry in enumerate(entries, 1):
        if count > MAX_ENTRIES:
            raise ArchiveRefused(f"the archive has more than {MAX_ENTRIES} entries")
        names.add(entry.filename)
        unpacked += entry.file_size
        if unpacked > MAX_UNPACKED_BYTES:
            raise ArchiveRefused(
                f"the archive unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MiB"
            )
        packed = max(entry.compress_size, 1)
        if entry.file_size > SMALL_ENTRY_BYTES and entry.file_size > MAX_RATIO * packed:
            raise ArchiveRefused(
                f"an entry of the archive unpacks to more than {MAX_RATIO} times its packed"
                " size (a zip bomb?)"
            )
    missing = [m for m in required if m not in names]
    if missing:
        raise WrongArchive(f"it is a zip archive of another type (it lacks {', '.join(missing)})")


class TailFile(io.RawIOBase):
    """A file of `size` bytes of which only the last ones are at hand: enough for zipfile
    to read the directory at the end of an archive, which an upload keeps as it streams."""

    def __init__(self, tail: bytes, size: int) -> None:
        self._tail = tail
        self._size = size
        self._start = size - len(tail)
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(base + offset, 0)
        return self._pos

    def read(self, n: int = -1) -> bytes:
        if self._pos < self._start:
            raise ArchiveRefused("the archive's directory is too large")
        end = self._size if n is None or n < 0 else min(self._pos + n, self._size)
        data = self._tail[self._pos - self._start : end - self._start]
        self._pos += len(data)
        return data


def check_directory(tail: bytes, size: int, required: tuple[str, ...]) -> None:
    """Checks an archive from its last bytes only (an upload, before it is stored)."""
    try:
        with zipfile.ZipFile(TailFile(tail, size)) as archive:
            check_entries(archive.infolist(), required)
    except zipfile.BadZipFile as exc:
        raise WrongArchive("its bytes are not a readable zip archive") from exc


def _declares_entities(prologue: bytes) -> bool:
    if prologue.startswith((b"\xff\xfe", b"\xfe\xff")):
        prologue = prologue.decode("utf-16", "ignore").encode()
    upper = prologue.upper()
    return b"<!DOCTYPE" in upper or b"<!ENTITY" in upper


def open_checked(source: BinaryIO, required: tuple[str, ...]) -> zipfile.ZipFile:
    """The archive, opened once its directory and every XML member's prologue pass."""
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile as exc:
        raise InvalidArgument("the file is not a readable zip archive") from exc
    try:
        try:
            check_entries(archive.infolist(), required)
        except WrongArchive as exc:
            raise InvalidArgument(f"the file does not match its type: {exc.why}") from None
        for entry in archive.infolist():
            if entry.filename.endswith((".xml", ".rels", ".vml")):
                with archive.open(entry) as member:
                    if _declares_entities(member.read(XML_PROLOGUE_BYTES)):
                        raise ArchiveRefused(
                            "an XML part of the file declares a document type or entities,"
                            " which this type never has (an XML bomb?)"
                        )
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        archive.close()
        raise InvalidArgument("the file is a damaged zip archive") from exc
    except BaseException:
        archive.close()
        raise
    return archive
