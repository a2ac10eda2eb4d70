"""Where a process spends its time under load: py-spy samples it (`py-spy record --format
raw`) while a load runs, and the hottest functions are printed, by share of samples that
have them anywhere on the stack (inclusive) and at the top (self). `BENCH_PROFILE=1 make
bench` profiles one users worker during the REST run."""

from __future__ import annotations

import collections
import re
import shutil
import subprocess
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

# Frames of the interpreter's and event loop's own plumbing, on every stack.
PLUMBING = re.compile(
    r"runpy|run_forever|run_until_complete|_run_once|Runner\.run|_bootstrap"
    r"|^run \(|^main \(|<module>"
)


def record(pid: int, seconds: int, out: Path) -> subprocess.Popen[bytes]:
    """Starts sampling `pid` for `seconds` (wait on the returned process)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    command = [spy, "record", "-p", str(pid), "-d", str(seconds), "-r", "200"]
    command += ["-f", "raw", "-o", str(out), "--nonblocking"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def hottest(raw: Path, top: int = 20) -> tuple[list[tuple[str, float, float]], int]:
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        total += n
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        for frame in set(frames):
            inclusive[frame] += n
        own[frames[-1]] += n
    rows = [
        (frame, n / total * 100, own[frame] / total * 100)
        for frame, n in inclusive.most_common()
        if not PLUMBING.search(frame)
    ][:top]
    return rows, total


def show(raw: Path, title: str, console: Console) -> None:
    rows, total = hottest(raw)
    table = Table(title=f"{title}: {total} samples")
    for column in ("function (file)", "inclusive %", "self %"):
        table.add_column(column, justify="left" if column.startswith("function") else "right")
    for frame, inclusive, own in rows:
        table.add_row(frame[:90], f"{inclusive:.1f}", f"{own:.1f}")
    console.print(table)
