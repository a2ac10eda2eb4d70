"""A file's name is a label: anything that could be read as a path is refused."""

from __future__ import annotations

import pytest

from services.automation.files.names import check_name
from services.runtime.config import FILE_EXTENSIONS
from services.runtime.errors import Violations

ALLOWED = list(FILE_EXTENSIONS)


def problem(name: str, allowed: list[str] = ALLOWED) -> str | None:
    v = Violations()
    kind = check_name(v, "name", name, allowed)
    if v.items:
        assert kind is None
        assert [field for field, _ in v.items] == ["name"]
        return v.items[0][1]
    assert kind is not None
    return None


@pytest.mark.parametrize(
    "name", ["report.pdf", "Q3 Sales.XLSX", "notes.v2.txt", "données été.csv", "a.docx"]
)
def test_ordinary_names_pass(name: str) -> None:
    assert problem(name) is None


def test_the_kind_comes_from_the_extension_in_any_case() -> None:
    v = Violations()
    found = check_name(v, "name", "Budget.XlSx", ALLOWED)
    assert found is not None and found.extension == "xlsx"


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("../../etc/passwd.txt", "slashes"),
        ("dir/report.pdf", "slashes"),
        ("C:\\temp\\report.pdf", "backslashes"),
        ("report..pdf", '".."'),
        ("..", '".."'),
        ("line\nbreak.txt", "control"),
        ("tab\there.txt", "control"),
        ("bell\x07.txt", "control"),
        # A right-to-left override shows "evil\u202etxt.exe" as "evilexe.txt".
        ("evil\u202etxt.exe", "format characters"),
        ("zero\u200bwidth.txt", "format characters"),
    ],
)
def test_path_like_names_are_refused(name: str, why: str) -> None:
    found = problem(name)
    assert found is not None and why in found


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("", "is required"),
        ("   ", "is required"),
        (" padded.txt", "spaces"),
        ("noextension", "needs a name and an extension"),
        (".txt", "needs a name and an extension"),
        ("tool.exe", "extension .exe is not allowed"),
        ("x" * 252 + ".txt", "at most 255"),
    ],
)
def test_names_without_an_allowed_extension_are_refused(name: str, why: str) -> None:
    found = problem(name)
    assert found is not None and why in found


def test_only_the_configured_extensions_are_allowed() -> None:
    assert problem("report.pdf", ["txt", "csv"]) == (
        "extension .pdf is not allowed; allowed: txt, csv"
    )
