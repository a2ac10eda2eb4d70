"""Configuration is validated at start: a bad value stops the process naming the variable,
and list values accept comma-separated text."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from services.runtime.config import Settings, llm_call_timeout


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
        ("TABLEMESH_TRACE_SAMPLE_RATIO", "2"),
    ],
)
def test_bad_value_fails_fast_naming_the_variable(variable: str, value: str) -> None:
    result = start_users(**{variable: value})
    assert result.returncode == 2
    assert variable in result.stderr and repr(value) in result.stderr


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("", "is not set"),
        ("s3cr3t-but-only-31-characters-x", "must be at least 32 characters, got 31"),
        ("dev-only-service-secret-change-me", "is the old built-in default"),
    ],
)
def test_weak_service_secret_refuses_to_start_without_echoing_it(value: str, why: str) -> None:
    result = start_users(TABLEMESH_SERVICE_SECRET=value)
    assert result.returncode == 2
    assert f"TABLEMESH_SERVICE_SECRET: {why}" in result.stderr
    if value:
        assert value not in result.stderr


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


def test_a_model_call_may_take_longer_on_the_local_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLEMESH_LLM_PROVIDER", "local")
    assert llm_call_timeout(Settings()) == 300
    monkeypatch.setenv("TABLEMESH_LLM_PROVIDER", "openai")
    assert llm_call_timeout(Settings()) == 60
    monkeypatch.setenv("TABLEMESH_LLM_TIMEOUT", "42")
    assert llm_call_timeout(Settings()) == 42
