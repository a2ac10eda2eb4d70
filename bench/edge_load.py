"""Overload at the edge: N connections held busy for a fixed time against one URL through
Envoy, with wrk (a compiled load generator, so the client is not the bottleneck), and the
responses counted by HTTP status.

`python -m bench.edge_load URL TOKEN [CONNECTIONS] [SECONDS]` prints the figures; the
end-to-end suite runs it at 500 connections for 20 s (tests/e2e/test_overload.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).with_name("status_counts.lua")


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    statuses: dict[int, int]
    # wrk's socket errors: connect, read, write, timeout.
    errors: dict[str, int]
    latency_ms: dict[str, float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def count(self, low: int, high: int) -> int:
        return sum(n for status, n in self.statuses.items() if low <= status <= high)

    def summary(self) -> str:
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items()))
        return (
            f"{self.requests} requests in {self.seconds:.1f} s ({self.rps:.0f}/s); "
            f"statuses {{{statuses}}}; socket errors {self.errors}; latency {self.latency_ms}"
        )


def run_wrk(
    url: str, headers: dict[str, str], connections: int, seconds: int, threads: int = 2
) -> LoadResult:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed (apt-get install -y wrk)")
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "20s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run(
        [*command, "-s", str(SCRIPT), url],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("wrk-result "))
    raw = json.loads(line.removeprefix("wrk-result "))
    return LoadResult(
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        statuses={int(s): n for s, n in raw["statuses"].items()},
        errors=raw["errors"],
        latency_ms=raw["latency_ms"],
    )


def main() -> None:
    url, token = sys.argv[1], sys.argv[2]
    connections = int(sys.argv[3]) if len(sys.argv) > 3 else 500
    seconds = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    result = run_wrk(url, {"authorization": f"Bearer {token}"}, connections, seconds)
    print(result.summary())


if __name__ == "__main__":
    main()
