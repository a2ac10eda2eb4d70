"""Load from compiled generators (wrk for HTTP/1.1, h2load for gRPC), and the CPU time each
server process spent on it, read from /proc/<pid>/stat before and after the run: stable on
a noisy machine where requests per second are not."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bench.edge_load import run_wrk

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: Iterable[int]) -> float:
    """User plus system CPU time of the processes so far (0 for one that is gone)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / TICKS


def rss_mib(pid: int) -> float:
    """A process's resident memory now, in MiB (NaN if /proc does not say)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Run:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float
    # CPU microseconds per request, by process group ("users", "envoy", ...).
    cpu_us: dict[str, float] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def measured(load: Callable[[], Run], processes: dict[str, list[int]]) -> Run:
    """Runs `load` and adds the CPU time per request of each group of processes."""
    before = {name: cpu_seconds(pids) for name, pids in processes.items()}
    run = load()
    for name, pids in processes.items():
        run.cpu_us[name] = (cpu_seconds(pids) - before[name]) / max(run.requests, 1) * 1e6
    return run


def wrk(url: str, token: str, connections: int, seconds: int) -> Run:
    result = run_wrk(url, {"authorization": f"Bearer {token}"}, connections, seconds, threads=1)
    errors = sum(result.errors.values()) + result.requests - result.count(200, 299)
    return Run(
        result.requests,
        result.seconds,
        errors,
        result.latency_ms["p50"],
        result.latency_ms["p99"],
    )


def grpc_frame(message: bytes) -> bytes:
    """A gRPC length-prefixed message (uncompressed)."""
    return struct.pack(">BI", 0, len(message)) + message


def h2load(
    url: str, body: Path, token: str, connections: int, seconds: int, streams: int = 1
) -> Run:
    """gRPC unary calls over `connections` HTTP/2 connections (each its own channel)."""
    binary = shutil.which("h2load")
    if binary is None:
        raise RuntimeError("h2load is not installed (apt-get install -y nghttp2-client)")
    command = [
        binary,
        f"-c{connections}",
        f"-m{streams}",
        f"-D{seconds}",
        "-d",
        str(body),
        "-H",
        "content-type: application/grpc",
        "-H",
        "te: trailers",
        "-H",
        f"authorization: Bearer {token}",
        url,
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    done = re.search(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded", out)
    took = re.search(r"finished in ([\d.]+)s", out)
    mean = re.search(r"time for request:\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)", out)
    if not (done and took and mean):
        raise RuntimeError(f"unexpected h2load output:\n{out}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[mean[2]]
    requests, succeeded = int(done[1]), int(done[2])
    # h2load has no percentiles: the mean stands in for p50 and p99 is not known.
    return Run(requests, float(took[1]), requests - succeeded, float(mean[1]) * scale, float("nan"))
