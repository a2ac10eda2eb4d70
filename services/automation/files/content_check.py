"""What an upload's bytes must be, checked as they stream in: never too many, and what
the name's extension says they are. Nothing here holds the whole file: a text file is
decoded as it comes, a binary one is known by its first bytes, and an archive by its
directory at the end, of which only the last bytes are kept."""

from __future__ import annotations

import codecs
import hashlib

import puremagic

from services.automation.files import archives
from services.automation.files.kinds import Kind
from services.runtime.errors import InvalidArgument, ResourceExhausted

# Enough of a file's start for every magic number puremagic knows of our types.
HEAD_BYTES = 64 * 1024


def mismatch(kind: Kind, why: str) -> InvalidArgument:
    return InvalidArgument(
        f"the content does not match the extension .{kind.extension}: {why}",
        reason="CONTENT_MISMATCH",
    )


def _mib(size: int) -> str:
    return f"{size / 2**20:g} MiB" if size >= 2**20 else f"{size} bytes"


class ContentCheck:
    """Feed it each chunk as it arrives, then call finish(); either raises the error the
    upload is refused with."""

    def __init__(self, kind: Kind, max_bytes: int) -> None:
        self.kind = kind
        self.max_bytes = max_bytes
        self.size = 0
        self._sha = hashlib.sha256()
        self._head = bytearray()
        self._tail = bytearray()
        self._decoder = codecs.getincrementaldecoder("utf-8")()

    @property
    def sha256(self) -> str:
        return self._sha.hexdigest()

    def feed(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.max_bytes:
            raise ResourceExhausted(
                f"the file is larger than the limit of {_mib(self.max_bytes)}",
                reason="FILE_TOO_LARGE",
            )
        self._sha.update(data)
        if self.kind.text:
            self._text(data, final=False)
            return
        if len(self._head) < HEAD_BYTES:
            self._head += data[: HEAD_BYTES - len(self._head)]
            if len(self._head) == HEAD_BYTES:
                self._magic()
        if self.kind.archive:
            self._tail += data
            if len(self._tail) > archives.TAIL_BYTES:
                del self._tail[: len(self._tail) - archives.TAIL_BYTES]

    def finish(self) -> None:
        if self.size == 0:
            raise InvalidArgument("the file is empty", reason="FILE_EMPTY")
        if self.kind.text:
            self._text(b"", final=True)
            return
        if len(self._head) < HEAD_BYTES:
            self._magic()
        if self.kind.archive:
            try:
                archives.check_directory(bytes(self._tail), self.size, self.kind.members)
            except archives.WrongArchive as exc:
                raise mismatch(self.kind, exc.why) from None

    def _text(self, data: bytes, *, final: bool) -> None:
        if b"\x00" in data:
            raise mismatch(self.kind, "text must not contain NUL bytes")
        try:
            self._decoder.decode(data, final=final)
        except UnicodeDecodeError:
            raise mismatch(self.kind, "text must be valid UTF-8") from None

    def _magic(self) -> None:
        try:
            found = puremagic.magic_string(bytes(self._head))
        except puremagic.PureError:
            found = []
        wanted = "." + self.kind.extension
        if not any(m.extension == wanted for m in found):
            seen = f"look like {found[0].name[:60]}" if found else "are of no known file type"
            raise mismatch(self.kind, f"its bytes {seen}")
