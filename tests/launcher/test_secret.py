"""The service secret: made under var/ when unset, owner-only, reused; a weak one refuses."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from services.launcher import components, secret
from services.launcher.layout import Layout
from tests.ports import offset


def tablemesh(var: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TABLEMESH_VAR_DIR": str(var),
        "TABLEMESH_PORT_OFFSET": str(offset("launcher")),
    }
    for name in ("DATABASE_URL", "REDIS_URL", "TABLEMESH_SERVICE_SECRET"):
        env.pop(name, None)
    env.update(extra)
    return subprocess.run(
        [sys.executable, "-m", "services.launcher.cli", *args],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_made_once_owner_only_and_reused(tmp_path: Path) -> None:
    path = secret.secret_file(tmp_path / "var")
    first = secret.load_or_create(path)
    assert len(first) >= 32
    assert mode(path) == 0o600
    assert secret.load_or_create(path) == first
    path.chmod(0o644)
    assert secret.load_or_create(path) == first
    assert mode(path) == 0o600


def test_a_kept_secret_too_short_is_refused_without_showing_it(tmp_path: Path) -> None:
    path = secret.secret_file(tmp_path)
    path.write_text("tooshort-kept-value\n")
    with pytest.raises(secret.SecretFileError) as err:
        secret.load_or_create(path)
    assert "TABLEMESH_SERVICE_SECRET" in str(err.value) and str(path) in str(err.value)
    assert "must be at least 32 characters" in str(err.value)
    assert "tooshort-kept-value" not in str(err.value)


def test_every_child_gets_the_kept_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    var = tmp_path / "var"
    monkeypatch.delenv("TABLEMESH_SERVICE_SECRET")
    monkeypatch.setenv("TABLEMESH_VAR_DIR", str(var))
    secret.ensure_in_environment()
    kept = (var / "service-secret").read_text().strip()
    env = components.child_env(Layout(var), "postgresql://x", "redis://x")
    assert env["TABLEMESH_SERVICE_SECRET"] == kept


def test_first_command_makes_it_and_later_ones_reuse_it(tmp_path: Path) -> None:
    var = tmp_path / "var"
    assert tablemesh(var, "status").returncode == 1  # no mesh runs, but the secret is made
    path = var / "service-secret"
    kept = path.read_text()
    assert mode(path) == 0o600
    tablemesh(var, "status")
    assert path.read_text() == kept


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("short-but-not-32-characters", "must be at least 32 characters, got 27"),
        ("dev-only-service-secret-change-me", "is the old built-in default"),
    ],
)
def test_up_refuses_a_weak_secret_before_starting_anything(
    tmp_path: Path, value: str, why: str
) -> None:
    var = tmp_path / "var"
    result = tablemesh(var, "up", TABLEMESH_SERVICE_SECRET=value)
    assert result.returncode == 2
    assert f"TABLEMESH_SERVICE_SECRET: {why}" in result.stderr
    assert value not in result.stderr + result.stdout
    assert not (var / "run" / "state.json").exists()
    assert not (var / "service-secret").exists()


def test_up_refuses_a_bad_kept_secret(tmp_path: Path) -> None:
    var = tmp_path / "var"
    var.mkdir()
    (var / "service-secret").write_text("x" * 10)
    result = tablemesh(var, "up")
    assert result.returncode == 2
    assert "does not hold a usable TABLEMESH_SERVICE_SECRET" in result.stderr
    assert not (var / "run" / "state.json").exists()
