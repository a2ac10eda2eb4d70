"""An upload's bytes, checked as they stream: the size limit the moment it is passed, and
the content against the extension (magic numbers, UTF-8 text, zip directories)."""

from __future__ import annotations

import hashlib

import pytest

from services.automation.files import archives
from services.automation.files.content_check import HEAD_BYTES, ContentCheck
from services.automation.files.kinds import KINDS
from services.runtime.errors import DomainError, InvalidArgument, ResourceExhausted
from tests.automation.files import documents


def fed(extension: str, data: bytes, *, piece: int = 1000, limit: int = 1 << 30) -> ContentCheck:
    check = ContentCheck(KINDS[extension], limit)
    for start in range(0, len(data), piece):
        check.feed(data[start : start + piece])
    check.finish()
    return check


def refusal(extension: str, data: bytes, **kwargs: int) -> DomainError:
    with pytest.raises(DomainError) as raised:
        fed(extension, data, **kwargs)
    return raised.value


OFFICE = {
    "xlsx": documents.xlsx({"Sheet": [["a", 1]]}),
    "docx": documents.docx_file(["hello"]),
}


@pytest.mark.parametrize(
    ("extension", "data"),
    [
        ("txt", "plain text, with été and 日本\n".encode()),
        ("csv", b"a,b\n1,2\n"),
        ("pdf", documents.pdf(["hello"])),
        ("xlsx", OFFICE["xlsx"]),
        ("docx", OFFICE["docx"]),
    ],
)
def test_each_type_passes_with_its_own_content(extension: str, data: bytes) -> None:
    check = fed(extension, data, piece=7)
    assert check.size == len(data)
    assert check.sha256 == hashlib.sha256(data).hexdigest()


def test_the_limit_refuses_as_soon_as_it_is_passed() -> None:
    check = ContentCheck(KINDS["txt"], 10)
    check.feed(b"0123456789")
    with pytest.raises(ResourceExhausted, match="larger than the limit of 10 bytes") as raised:
        check.feed(b"x")
    assert raised.value.reason == "FILE_TOO_LARGE"


def test_an_empty_file_is_refused() -> None:
    found = refusal("txt", b"")
    assert isinstance(found, InvalidArgument) and found.message == "the file is empty"


@pytest.mark.parametrize(
    ("extension", "data", "why"),
    [
        ("txt", b"abc\x00def", "text must not contain NUL bytes"),
        ("csv", "naïve".encode("latin-1"), "text must be valid UTF-8"),
        # A multi-byte character cut off at the very end.
        ("txt", "été".encode()[:-1], "text must be valid UTF-8"),
        ("pdf", b"just some text, not a PDF", "its bytes are of no known file type"),
        ("pdf", OFFICE["docx"], "its bytes look like"),
        ("txt", documents.pdf(["x"])[:600] + b"\x00", "NUL"),
        ("xlsx", documents.pdf(["x"]), "its bytes look like"),
        # Both are zips: the directory tells a workbook from a document.
        ("xlsx", OFFICE["docx"], "lacks xl/workbook.xml"),
        ("docx", OFFICE["xlsx"], "lacks word/document.xml"),
    ],
)
def test_content_that_does_not_match_its_extension_is_refused(
    extension: str, data: bytes, why: str
) -> None:
    found = refusal(extension, data)
    assert isinstance(found, InvalidArgument)
    assert found.reason == "CONTENT_MISMATCH"
    assert found.message.startswith(f"the content does not match the extension .{extension}")
    assert why in found.message


def test_a_large_binary_is_sniffed_on_its_first_bytes_only() -> None:
    data = documents.pdf(["x"]) + b"%" * (3 * HEAD_BYTES)
    assert fed("pdf", data, piece=HEAD_BYTES // 3).size == len(data)


@pytest.mark.parametrize("extension", ["xlsx", "docx"])
def test_a_zip_bomb_is_refused_from_its_directory(extension: str) -> None:
    bomb = documents.zip_bomb(OFFICE[extension], unpacked_mib=64)
    assert len(bomb) < 200_000  # small on the wire, 64 MiB unpacked
    found = refusal(extension, bomb)
    assert found.reason == "ARCHIVE_REFUSED"
    assert "unpacks to more than 100 times its packed size" in found.message


def test_an_archive_with_too_many_entries_or_too_much_in_all_is_refused() -> None:
    entries = [archives.zipfile.ZipInfo(f"part{i}.bin") for i in range(archives.MAX_ENTRIES + 1)]
    with pytest.raises(InvalidArgument, match="more than 10000 entries"):
        archives.check_entries(entries, ())
    # Each entry under the ratio, but together too much.
    parts = []
    for i in range(3):
        part = archives.zipfile.ZipInfo(f"part{i}.bin")
        part.file_size = part.compress_size = archives.MAX_UNPACKED_BYTES // 2
        parts.append(part)
    with pytest.raises(InvalidArgument, match="unpacks to more than 256 MiB"):
        archives.check_entries(parts, ())
    # A member that compresses well but is small does no harm, whatever its ratio.
    zeros = documents.with_member(OFFICE["xlsx"], "xl/media/zeros.bin", bytes(900 * 1024))
    assert fed("xlsx", zeros).size == len(zeros)


def test_a_zip_whose_directory_is_cut_off_is_not_an_archive() -> None:
    found = refusal("xlsx", OFFICE["xlsx"][:-30])
    assert found.reason == "CONTENT_MISMATCH"
    assert found.message == (
        "the content does not match the extension .xlsx: its bytes are not a readable zip archive"
    )
