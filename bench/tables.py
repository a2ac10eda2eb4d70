"""Benchmark of tables at 1,000, 10,000 and 100,000 records, through Envoy.

Each table is imported through the REST batch create (10 records a call, 8 calls in
flight), timed, while a reader lists records of another table (the reads' latency during
the import shows whether writers stall readers). Then, per table: a filter that matches
one record (`{Name} = '...'`), and the first sorted page of 20 by a number and by text;
each a timed loop of calls with distinct parameters (no cache answers), after the sort
indexes the first sorts asked for are built. Goals: each p50 <= 20 ms at 100,000 records
and <= 2x its time at 10,000.

`make bench-tables` (DATABASE_URL/REDIS_URL when set, else embedded; BENCH_TABLES_SIZES,
BENCH_TABLES_PORT_OFFSET, BENCH_TABLES_CALLS)."""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psycopg
from rich.console import Console
from rich.table import Table

OFFSET = int(os.environ.get("BENCH_TABLES_PORT_OFFSET", "2900"))
SIZES = [int(s) for s in os.environ.get("BENCH_TABLES_SIZES", "1000,10000,100000").split(",")]
CALLS = int(os.environ.get("BENCH_TABLES_CALLS", "15"))
BIN = Path(sys.executable).parent
VAR = Path("var/bench-tables").resolve()
BASE = f"http://127.0.0.1:{8000 + OFFSET}"
STATUSES = ["Todo", "Doing", "Done", "Blocked"]
FIELDS = [
    {"name": "Name", "type": "singleLineText"},
    {"name": "Score", "type": "number", "options": {"precision": 2}},
    {"name": "Status", "type": "singleSelect",
     "options": {"choices": [{"name": s} for s in STATUSES]}},
    {"name": "Done", "type": "checkbox"},
]  # fmt: skip
# Returned fields, varied so that no two timed calls share a cache entry.
FIELD_SETS = [["Name"], ["Score"], ["Status"], ["Done"], ["Name", "Score"], ["Name", "Status"],
              ["Score", "Status"], ["Name", "Done"], ["Score", "Done"], ["Status", "Done"],
              ["Name", "Score", "Status"], ["Name", "Score", "Done"], ["Name", "Status", "Done"],
              ["Score", "Status", "Done"], ["Name", "Score", "Status", "Done"]]  # fmt: skip


def record(i: int) -> dict[str, Any]:
    fields: dict[str, Any] = {"Name": f"name-{i:06d}", "Score": round(random.uniform(0, 1000), 2)}
    fields["Status"] = STATUSES[i % 4]
    if i % 3 == 0:
        fields["Done"] = True
    return fields


def post(http: httpx.Client, path: str, body: Any) -> Any:
    reply = http.post(path, json=body)
    reply.raise_for_status()
    return reply.json()


def import_records(headers: dict[str, str], path: str, count: int) -> float:
    """Records per second through CreateRecords, 10 a call, 8 calls in flight."""
    local = threading.local()

    def write(start: int) -> None:
        if not hasattr(local, "http"):
            local.http = httpx.Client(base_url=BASE, headers=headers, timeout=60)
        batch = [{"fields": record(i)} for i in range(start, min(start + 10, count))]
        post(local.http, path, {"records": batch})

    began = time.perf_counter()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(0, count, 10)))
    return count / (time.perf_counter() - began)


def timed(http: httpx.Client, path: str, params: list[dict[str, Any]]) -> list[float]:
    times = []
    for query in params:
        began = time.perf_counter()
        reply = http.get(path, params=query)
        times.append((time.perf_counter() - began) * 1000)
        reply.raise_for_status()
        if "filter_by_formula" in query:
            assert len(reply.json()["records"]) == 1, reply.text
    return times


def wait_indexes(database_url: str, table_id: str, count: int) -> None:
    """Until the sort indexes the warm-up asked for are built (a real condition)."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        with psycopg.connect(database_url) as conn:
            ready = conn.execute(
                "SELECT count(*) FROM airtable.field_indexes WHERE table_id = %s "
                "AND state = 'ready'", (table_id,)).fetchone()  # fmt: skip
        if ready and ready[0] >= count:
            return
        time.sleep(0.2)
    raise TimeoutError(f"the sort indexes of {table_id} were not built")


def sorted_params(sort: str, calls: int) -> list[dict[str, Any]]:
    return [{"sort": sort, "page_size": 20, "fields": FIELD_SETS[i % len(FIELD_SETS)]}
            for i in range(calls)]  # fmt: skip


def measure(http: httpx.Client, headers: dict[str, str], database_url: str) -> list[list[str]]:
    made = post(http, "/api/v1/bases", {"name": "Bench", "tables": [
        {"name": f"T{size}", "fields": FIELDS} for size in SIZES]})  # fmt: skip
    base = made["base"]["id"]
    rows = []
    reads: list[float] = []
    for size, table in zip(SIZES, made["tables"], strict=True):
        path = f"/api/v1/bases/{base}/tables/{table['id']}/records"
        stop = threading.Event()
        probe = f"/api/v1/bases/{base}/tables/{made['tables'][0]['id']}/records"

        def read(probe: str = probe, stop: threading.Event = stop) -> None:
            with httpx.Client(base_url=BASE, headers=headers, timeout=60) as reader:
                i = 0
                while not stop.is_set():
                    # Distinct every time (name and page size): no cached page answers.
                    name = f"name-{i % 1000:06d}"
                    query: dict[str, Any] = {
                        "filter_by_formula": f"{{Name}} = '{name}'",
                        "page_size": 1 + i // 1000,
                    }
                    began = time.perf_counter()
                    reader.get(probe, params=query).raise_for_status()
                    reads.append((time.perf_counter() - began) * 1000)
                    i += 1

        reader = threading.Thread(target=read)
        if size != SIZES[0]:
            reader.start()
        rate = import_records(headers, path, size)
        stop.set()
        if reader.is_alive():
            reader.join()
        # Warm-up: the sorts that make the indexes (and the first connections).
        for sort in ("Score desc", "Name"):
            timed(http, path, sorted_params(sort, 2))
        wait_indexes(database_url, table["id"], 2)
        picks = random.sample(range(size), CALLS)
        filters = [{"filter_by_formula": f"{{Name}} = 'name-{i:06d}'"} for i in picks]
        one = statistics.median(timed(http, path, filters))
        by_score = statistics.median(timed(http, path, sorted_params("Score desc", CALLS)))
        by_name = statistics.median(timed(http, path, sorted_params("Name", CALLS)))
        rows.append(
            [f"{size:,}", f"{rate:,.0f}", f"{one:.1f}", f"{by_score:.1f}", f"{by_name:.1f}"]
        )
    during = f"{statistics.median(reads):.1f} / {sorted(reads)[int(0.95 * len(reads))]:.1f}"
    rows.append(["reads during the imports (p50 / p95 ms)", during, "", "", ""])
    return rows


def main() -> None:
    env = {
        **os.environ,
        "TABLEMESH_PORT_OFFSET": str(OFFSET),
        "TABLEMESH_VAR_DIR": str(VAR),
        "TABLEMESH_LOG_LEVEL": "warning",
        "TABLEMESH_AUTH_RATE_LIMIT_PER_MINUTE": "100000",
        "TABLEMESH_LLM_PROVIDER": "none",
    }
    tablemesh = str(BIN / "tablemesh")
    subprocess.run([tablemesh, "up", "--detach"], env=env, check=True, stdout=subprocess.DEVNULL)
    try:
        database_url = json.loads((VAR / "run" / "state.json").read_text())["database_url"]
        body = {"email": f"b{uuid.uuid4().hex[:10]}@example.com", "password": "bench password",
                "first_name": "B", "last_name": "B"}  # fmt: skip
        token = httpx.post(f"{BASE}/api/v1/auth/register", json=body, timeout=60).json()
        headers = {"authorization": f"Bearer {token['access_token']}"}
        with httpx.Client(base_url=BASE, headers=headers, timeout=120) as http:
            rows = measure(http, headers, database_url)
    finally:
        subprocess.run([tablemesh, "down"], env=env, check=False, stdout=subprocess.DEVNULL)
    table = Table(title=f"tables through Envoy: p50 of {CALLS} calls with distinct parameters")
    columns = ("records", "import (records/s)", "one-match filter (ms)",
               "first page of 20 by Score desc (ms)", "first page of 20 by Name (ms)")  # fmt: skip
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    Console(width=160).print(table)


if __name__ == "__main__":
    main()
