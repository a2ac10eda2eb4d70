"""The `tablemesh` command run as a real process, against an isolated var dir."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ports import offset


def tablemesh(var: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "TABLEMESH_VAR_DIR": str(var),
        "TABLEMESH_PORT_OFFSET": str(offset("launcher")),
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "services.launcher.cli", *args],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_logs_of_an_unknown_service_lists_the_known_ones(launcher_env: Path) -> None:
    result = tablemesh(launcher_env, "logs", "nosuch")
    assert result.returncode == 2
    assert "unknown service 'nosuch'" in result.stderr
    for name in ("platform", "auth", "users", "envoy", "launcher"):
        assert name in result.stderr


def test_logs_prints_the_last_lines(launcher_env: Path) -> None:
    (launcher_env / "logs").mkdir(parents=True)
    (launcher_env / "logs" / "auth.log").write_text("".join(f"line {i}\n" for i in range(100)))
    result = tablemesh(launcher_env, "logs", "auth", "-n", "3")
    assert result.returncode == 0
    assert result.stdout == "line 97\nline 98\nline 99\n"


def test_logs_of_a_service_that_has_not_run_yet(launcher_env: Path) -> None:
    result = tablemesh(launcher_env, "logs", "users")
    assert result.returncode == 1
    assert "no log yet" in result.stderr


@pytest.mark.parametrize("command", ["status", "down"])
def test_commands_without_a_running_mesh(launcher_env: Path, command: str) -> None:
    result = tablemesh(launcher_env, command)
    if command == "status":
        assert result.returncode == 1
        assert "no launcher is running" in result.stdout
        assert f"127.0.0.1:{8009 + offset('launcher')}" in result.stdout  # auth's port
    else:
        assert result.returncode == 0
        assert "not running" in result.stdout
