"""Configuration is validated at start: a bad value stops the process naming the variable,
and list values accept comma-separated text."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from services.runtime.config import Settings


def start_users(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.users.main"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TABLEMESH_WORKERS", "many"),
        ("TABLEMESH_LOG_LEVEL", "loud"),
        ("TABLEMESH_SERVICE_SECRET", "short"),
        ("TABLEMESH_TRACE_SAMPLE_RATIO", "2"),
    ],
)
def test_bad_value_fails_fast_naming_the_variable(variable: str, value: str) -> None:
    result = start_users(**{variable: value})
    assert result.returncode == 2
    assert variable in result.stderr and repr(value) in result.stderr


def test_missing_database_is_explained() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    result = subprocess.run(
        [sys.executable, "-m", "services.users.main"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "REDIS_URL is not set" in result.stderr or "DATABASE_URL is not set" in result.stderr


def test_lists_accept_commas_and_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLEMESH_CORS_ORIGINS", " https://a.example , https://b.example,")
    assert Settings().cors_origins == ["https://a.example", "https://b.example"]
    monkeypatch.setenv("TABLEMESH_CORS_ORIGINS", '["https://c.example"]')
    assert Settings().cors_origins == ["https://c.example"]
