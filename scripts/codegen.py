"""Regenerate generated/ from protos/: Python messages and stubs, typing stubs, and the
descriptor set Envoy's gRPC-JSON transcoder loads.

Run `make gen` (or `python scripts/codegen.py [OUT_DIR]`); tests/contract checks that the
committed generated/ matches a fresh run.
"""

from __future__ import annotations

import fcntl
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTOS = ROOT / "protos"
DESCRIPTOR_NAME = "tablemesh.binpb"


def our_protos() -> list[str]:
    return sorted(str(p.relative_to(PROTOS)) for p in (PROTOS / "tablemesh").rglob("*.proto"))


def generate(out: Path) -> None:
    """Generates into a scratch directory, then brings `out` in line with it under a lock,
    so concurrent runs never see a half-written or missing generated/."""
    with tempfile.TemporaryDirectory() as scratch:
        fresh = Path(scratch) / "generated"
        _generate_into(fresh)
        out.mkdir(parents=True, exist_ok=True)
        # The lock sits beside generated/, not in it: it is no generated file.
        with out.with_name(out.name + ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            _sync(fresh, out)


def _sync(fresh: Path, out: Path) -> None:
    wanted = {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
    for rel in sorted(wanted):
        target = out / rel
        data = (fresh / rel).read_bytes()
        if not target.exists() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    for stale in [p for p in out.rglob("*") if p.is_file()]:
        rel = stale.relative_to(out)
        if rel not in wanted and "__pycache__" not in rel.parts:
            stale.unlink()


def _generate_into(out: Path) -> None:
    out.mkdir(parents=True)
    bindir = Path(sysconfig.get_path("scripts"))
    env_path = f"{bindir}:{Path(sys.executable).parent}"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{PROTOS}",
            f"--python_out={out}",
            f"--grpc_python_out={out}",
            f"--mypy_out={out}",
            f"--mypy_grpc_out={out}",
            *our_protos(),
        ],
        check=True,
        env={"PATH": env_path},
    )
    # Every generated directory is a regular package so setuptools finds it.
    for directory in [p for p in out.rglob("*") if p.is_dir()]:
        (directory / "__init__.py").touch()
    subprocess.run(
        [
            str(bindir / "buf"),
            "build",
            str(ROOT),
            "--as-file-descriptor-set",
            "-o",
            str(out / DESCRIPTOR_NAME),
        ],
        check=True,
    )


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "generated")
