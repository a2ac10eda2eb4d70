"""The contract stays sound: buf lint and breaking pass, generated/ is not stale, and the
code passes ruff and mypy."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

from google.protobuf import descriptor_pb2
from tablemesh.api.v1 import method_policy_pb2 as policy_pb

from services.gateway.http_rules import DESCRIPTOR_SET

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)


def test_buf_lint_passes() -> None:
    result = run(str(BIN / "buf"), "lint")
    assert result.returncode == 0, result.stdout + result.stderr


def test_buf_breaking_against_main() -> None:
    has_main = run("git", "rev-parse", "--verify", "--quiet", "main").returncode == 0
    against = ".git#branch=main" if has_main else ".git#ref=HEAD"
    result = run(str(BIN / "buf"), "breaking", "--against", against)
    assert result.returncode == 0, result.stdout + result.stderr


def _tree(root: Path) -> set[str]:
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_generated_code_is_fresh(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    result = run(sys.executable, "scripts/codegen.py", str(out))
    assert result.returncode == 0, result.stderr
    committed = ROOT / "generated"
    assert _tree(out) == _tree(committed), "generated/ has missing or extra files: run make gen"
    stale = [
        name for name in _tree(out) if not filecmp.cmp(out / name, committed / name, shallow=False)
    ]
    assert not stale, f"generated/ is stale ({', '.join(stale)}): run make gen"


def test_ruff_check() -> None:
    result = run(str(BIN / "ruff"), "check", ".")
    assert result.returncode == 0, result.stdout


def test_ruff_format() -> None:
    result = run(str(BIN / "ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout


def test_mypy() -> None:
    result = run(str(BIN / "mypy"))
    assert result.returncode == 0, result.stdout


def test_every_rpc_declares_who_may_call_it() -> None:
    """The audience is part of the contract: no method is left to a default."""
    files = descriptor_pb2.FileDescriptorSet.FromString(DESCRIPTOR_SET.read_bytes())
    undeclared = [
        f"{file.package}.{service.name}/{method.name}"
        for file in files.file
        if file.package.startswith("tablemesh.")
        for service in file.service
        for method in service.method
        if not method.options.Extensions[policy_pb.policy].visibility
    ]
    assert undeclared == []
