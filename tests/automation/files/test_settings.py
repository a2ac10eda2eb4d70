"""The files' settings: the allowed extensions come as comma-separated text or as a JSON
list (the system this replaces crashed on start reading one of the two), and a bad value
stops the process naming the variable."""

from __future__ import annotations

import pytest

from services.runtime.config import FILE_EXTENSIONS, Settings
from services.runtime.env_settings import InvalidSettings

SECRET = "s" * 40


@pytest.mark.parametrize(
    "value", ["csv, TXT ,.pdf", '["csv", "TXT", ".pdf"]', '  ["csv","txt","pdf","csv"] ']
)
def test_allowed_extensions_read_from_either_spelling(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("TABLEMESH_FILES_ALLOWED_EXTENSIONS", value)
    assert Settings(service_secret=SECRET).files_allowed_extensions == ["csv", "txt", "pdf"]


def test_by_default_every_readable_type_is_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TABLEMESH_FILES_ALLOWED_EXTENSIONS", raising=False)
    monkeypatch.delenv("TABLEMESH_FILES_MAX_BYTES", raising=False)
    found = Settings(service_secret=SECRET)
    assert found.files_allowed_extensions == list(FILE_EXTENSIONS)
    assert found.files_max_bytes == 25 * 1024 * 1024


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("exe,txt", "exe: not a file type it can read"),
        ('["txt", 3]', "must be a list of text values"),
        ('["txt"', "must be a JSON list or comma-separated text"),
        (" , ", "must name at least one extension"),
    ],
)
def test_a_bad_extension_list_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str, why: str
) -> None:
    monkeypatch.setenv("TABLEMESH_FILES_ALLOWED_EXTENSIONS", value)
    with pytest.raises(InvalidSettings) as raised:
        Settings(service_secret=SECRET)
    assert f"TABLEMESH_FILES_ALLOWED_EXTENSIONS: {why}" in str(raised.value)


@pytest.mark.parametrize("value", ["0", "-5", "ten", "2000000000"])
def test_a_bad_size_limit_names_the_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("TABLEMESH_FILES_MAX_BYTES", value)
    with pytest.raises(InvalidSettings, match="TABLEMESH_FILES_MAX_BYTES"):
        Settings(service_secret=SECRET)
