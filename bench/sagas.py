"""Benchmark of onboarding sagas, in one run: sagas per second end to end (registration
through REST until every onboarding saga is completed) with 1 and 2 orchestrator
processes, against the baseline of the same registrations alone (each saga follows one,
so onboarding can at best keep pace with them); and the time from killing every
orchestrator mid-flight to all interrupted sagas finished, against the lease (a dead
process's sagas wait for it). Afterwards every completed saga's tenant is read in every
service's tables: one live workspace, owner grant, base and notification, or it counts
as inconsistent. `make bench-sagas` (DATABASE_URL/REDIS_URL when set, else embedded)."""

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
LEASE = 2.0
# Completed onboardings whose tenant lacks exactly one live resource of each step.
INCONSISTENT = """
SELECT count(*) FROM saga.sagas s WHERE s.state = 'completed' AND (
  (SELECT count(*) FROM workspaces.workspaces w
    WHERE w.tenant_id::text = s.tenant_id::text AND w.deleted_at IS NULL) <> 1
  OR (SELECT count(*) FROM permissions.entries e
    WHERE e.tenant_id::text = s.tenant_id::text AND e.revoked_at IS NULL) <> 1
  OR (SELECT count(*) FROM airtable.bases b
    WHERE b.tenant_id = s.tenant_id::text AND b.deleted_at IS NULL) <> 1
  OR (SELECT count(*) FROM notifications.notifications n
    WHERE n.tenant_id::text = s.tenant_id::text AND n.deleted_at IS NULL) <> 1)
"""


def register(_: int) -> None:
    body = {
        "email": f"s{uuid.uuid4().hex[:10]}@example.com",
        "password": "bench password",
        "first_name": "S",
        "last_name": "B",
    }
    httpx.post(f"{BASE}/api/v1/auth/register", json=body, timeout=60).raise_for_status()


def inconsistent(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(INCONSISTENT).fetchone()
    return int(row[0]) if row else -1


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


def run(workers: int) -> tuple[float, float, float, dict[str, int], int]:
    env = {
        **os.environ,
        "TABLEMESH_PORT_OFFSET": str(OFFSET),
        "TABLEMESH_VAR_DIR": str(VAR),
        "TABLEMESH_WORKERS": str(workers),
        "TABLEMESH_LOG_LEVEL": "warning",
        "TABLEMESH_AUTH_RATE_LIMIT_PER_MINUTE": "100000",
        "TABLEMESH_SAGA_LEASE_SECONDS": str(LEASE),
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
        registered = USERS / (time.perf_counter() - began)
        rate = USERS / (wait_finished(database_url, already + USERS) - began)
        # Interrupt: start another batch and kill -9 every orchestrator while it runs.
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(register, range(USERS)))
        killed_at = time.perf_counter()
        for pid in json.loads((VAR / "run" / "state.json").read_text())["processes"]["saga"]:
            os.kill(pid, signal.SIGKILL)
        resumed = wait_finished(database_url, already + 2 * USERS) - killed_at
        return registered, rate, resumed, saga_counts(database_url), inconsistent(database_url)
    finally:
        subprocess.run(
            [str(BIN / "tablemesh"), "down"], env=env, check=False, stdout=subprocess.DEVNULL
        )


def main() -> None:
    table = Table(title=f"onboarding sagas ({USERS} registrations per measurement)")
    columns = (
        "orchestrators",
        "registrations/s (baseline)",
        "onboarded/s end to end",
        "ratio",
        f"kill -9 all → all finished (lease {LEASE:.0f} s)",
        "states",
        "inconsistent",
    )
    for column in columns:
        table.add_column(column)
    for workers in (1, 2):
        registered, rate, resumed, counts, bad = run(workers)
        table.add_row(
            str(workers),
            f"{registered:.1f}",
            f"{rate:.1f}",
            f"{rate / registered:.2f}x",
            f"{resumed:.1f} s ({resumed / LEASE:.1f}x lease)",
            json.dumps(counts),
            str(bad),
        )
    Console(width=170).print(table)


if __name__ == "__main__":
    main()
