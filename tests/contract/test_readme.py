"""The README documents every configuration variable and the two commands CI runs."""

from __future__ import annotations

from pathlib import Path

from services.runtime.config import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def env_names() -> list[str]:
    return list(Settings.variables().values())


def test_every_variable_is_documented() -> None:
    missing = [name for name in env_names() if f"`{name}`" not in README]
    assert not missing, f"README lacks: {missing}"


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in README and "make up" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()
