"""Fixtures for launcher tests: an isolated var dir and a port offset of their own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.runtime.config import settings
from tests.ports import offset


@pytest.fixture
def launcher_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """TABLEMESH_VAR_DIR in tmp and TABLEMESH_PORT_OFFSET of their own; yields the var dir."""
    var = tmp_path / "var"
    monkeypatch.setenv("TABLEMESH_VAR_DIR", str(var))
    monkeypatch.setenv("TABLEMESH_PORT_OFFSET", str(offset("launcher")))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    settings.cache_clear()
    yield var
    settings.cache_clear()
