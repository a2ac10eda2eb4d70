"""Benchmark of onboarding sagas, in one run: sagas per second end to end (registration
through REST until every onboarding saga is completed) with 1 and 2 orchestrator
processes, and the time from killing every orchestrator mid-flight to all interrupted
sagas finished. `make bench-sagas` (DATABASE_URL/REDIS_URL when set, else embedded)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psycopg
from rich.console import Console
from rich.table import Table

OFFSET = 2000
BIN = Path(sys.executable).parent
VAR = Path("var/bench-sagas").resolve()
USERS = int(os.environ.get("BENCH_SAGAS", "40"))
BASE = f"http://127.0.0.1:{8000 + OFFSET}"


def register(_: int) -> None:
    body = {
        "email": f"s{uuid.uuid4().hex[:10]}@example.com",
        "password": "bench password",
        "first_name": "S",
        "last_name": "B",
    }
    httpx.post(f"{BASE}/api/v1/auth/register", json=body, timeout=60).raise_for_status()


def saga_counts(database_url: str) -> dict[str, int]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT state, count(*) FROM saga.sagas GROUP BY state").fetchall()
    return {state: int(n) for state, n in rows}


def wait_finished(database_url: str, total: int, timeout: float = 300) -> float:
    began = time.perf_counter()
    while time.perf_counter() - began < timeout:
        counts = saga_counts(database_url)
        if sum(n for s, n in counts.items() if s not in ("running", "compensating")) >= total:
            return time.perf_counter()
        time.sleep(0.05)
    raise TimeoutError(f"sagas not finished: {saga_counts(database_url)}")


def run(workers: int) -> tuple[float, float, dict[str, int]]:
    env = {
        **os.environ,
        "TABLEMESH_PORT_OFFSET": str(OFFSET),
        "TABLEMESH_VAR_DIR": str(VAR),
        "TABLEMESH_WORKERS": str(workers),
        "TABLEMESH_LOG_LEVEL": "warning",
        "TABLEMESH_AUTH_RATE_LIMIT_PER_MINUTE": "100000",
        "TABLEMESH_SAGA_LEASE_SECONDS": "2",
    }
    subprocess.run(
        [str(BIN / "tablemesh"), "up", "--detach"], env=env, check=True, stdout=subprocess.DEVNULL
    )
    try:
        state = json.loads((VAR / "run" / "state.json").read_text())
        database_url = state["database_url"]
        already = sum(saga_counts(database_url).values())
        began = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(register, range(USERS)))
        rate = USERS / (wait_finished(database_url, already + USERS) - began)
        # Interrupt: start another batch and kill -9 every orchestrator while it runs.
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(register, range(USERS)))
        killed_at = time.perf_counter()
        for pid in json.loads((VAR / "run" / "state.json").read_text())["processes"]["saga"]:
            os.kill(pid, signal.SIGKILL)
        resumed = wait_finished(database_url, already + 2 * USERS) - killed_at
        return rate, resumed, saga_counts(database_url)
    finally:
        subprocess.run(
            [str(BIN / "tablemesh"), "down"], env=env, check=False, stdout=subprocess.DEVNULL
        )


def main() -> None:
    table = Table(title=f"onboarding sagas ({USERS} registrations per measurement)")
    for column in ("orchestrators", "sagas/s end to end", "kill -9 all → all finished", "states"):
        table.add_column(column)
    for workers in (1, 2):
        rate, resumed, counts = run(workers)
        table.add_row(str(workers), f"{rate:.1f}", f"{resumed:.1f} s", json.dumps(counts))
    Console(width=150).print(table)


if __name__ == "__main__":
    main()
