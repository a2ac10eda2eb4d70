"""Benchmark of the automation service, in one run.

Workflows: the delay from a record written through Envoy to the workflow execution it
starts (the event's way through airtable's outbox, the relay, the Redis stream and
automation's subscription), and to that execution's end (one create_records step, as the
workflow's creator), against the baseline of the REST write itself and of a manual
trigger's execution. Times are read from PostgreSQL (the record's and the execution's own
timestamps), so the client's polling adds nothing.

Files: upload throughput through Envoy against direct gRPC, and a 10 MiB CSV's
extraction (bench/files_load.py).

`make bench-automation` (DATABASE_URL/REDIS_URL when set, else embedded)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psycopg
from rich.console import Console
from rich.table import Table

from bench import files_load

OFFSET = 2100
BIN = Path(sys.executable).parent
VAR = Path("var/bench-automation").resolve()
RUNS = int(os.environ.get("BENCH_AUTOMATION_RUNS", "40"))
BASE = f"http://127.0.0.1:{8000 + OFFSET}"
FIELDS = [{"name": "Name", "type": "singleLineText"}]
DELAYS = """
SELECT extract(epoch FROM e.created_at - r.created_at) * 1000,
       extract(epoch FROM e.ended_at - r.created_at) * 1000
FROM automation.executions e
JOIN airtable.records r ON r.id = e.trigger_data->>'record_id'
WHERE e.workflow_id = %s AND e.status = 'succeeded'
"""
MANUAL = """
SELECT extract(epoch FROM ended_at - created_at) * 1000 FROM automation.executions
WHERE workflow_id = %s AND status = 'succeeded'
"""


def call(http: httpx.Client, method: str, path: str, body: Any = None) -> Any:
    reply = http.request(method, path, json=body)
    reply.raise_for_status()
    return reply.json()


def workflow(base: str, source: str, target: str, trigger: dict[str, Any]) -> dict[str, Any]:
    records = [{"Name": "{{execution.id}}"}]
    config = {"base_id": base, "table_id": target, "records": records}
    step = {"name": "copy", "type": "create_records", "config": config}
    return {"name": f"bench {uuid.uuid4().hex[:6]}", "enabled": True, "trigger": trigger,
            "steps": [step], "overlap_policy": "OVERLAP_POLICY_QUEUE"}  # fmt: skip


def wait_done(database_url: str, query: str, workflow_id: str, count: int) -> list[Any]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with psycopg.connect(database_url) as conn:
            rows = conn.execute(query, (workflow_id,)).fetchall()
        if len(rows) >= count:
            return rows
        time.sleep(0.01)
    raise TimeoutError(f"{count} executions did not finish")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(http: httpx.Client, database_url: str) -> dict[str, list[float]]:
    made = call(http, "POST", "/api/v1/bases", {"name": "Bench", "tables": [
        {"name": "Leads", "fields": FIELDS}, {"name": "Log", "fields": FIELDS}]})  # fmt: skip
    base = made["base"]["id"]
    leads, log = (t["id"] for t in made["tables"])
    record = {"record": {"base_id": base, "table_id": leads, "changes": ["RECORD_CHANGE_CREATED"]}}
    on_record = call(http, "POST", "/api/v1/workflows", workflow(base, leads, log, record))
    manual = call(http, "POST", "/api/v1/workflows", workflow(base, leads, log, {"manual": {}}))
    writes: list[float] = []
    # One at a time, each after the last one's execution ended: the delay of each, not
    # the wait in a queue of them.
    for i in range(RUNS):
        began = time.perf_counter()
        call(http, "POST", f"/api/v1/bases/{base}/tables/{leads}/records",
             {"records": [{"fields": {"Name": f"lead {i}"}}]})  # fmt: skip
        writes.append((time.perf_counter() - began) * 1000)
        rows = wait_done(database_url, DELAYS, on_record["workflow"]["id"], i + 1)
    manual_id = manual["workflow"]["id"]
    for i in range(RUNS):
        call(http, "POST", f"/api/v1/workflows/{manual_id}:trigger", {"request_id": f"b{i}"})
        manual_rows = wait_done(database_url, MANUAL, manual_id, i + 1)
    return {
        "REST write of one record (baseline)": writes,
        "manual trigger: execution queued -> ended": [float(r[0]) for r in manual_rows],
        "record written -> execution queued": [float(r[0]) for r in rows],
        "record written -> execution ended": [float(r[1]) for r in rows],
    }


def main() -> None:
    env = {
        **os.environ,
        "TABLEMESH_PORT_OFFSET": str(OFFSET),
        "TABLEMESH_VAR_DIR": str(VAR),
        "TABLEMESH_LOG_LEVEL": "warning",
        "TABLEMESH_AUTH_RATE_LIMIT_PER_MINUTE": "100000",
        # The model service is not measured here (make bench-ai is).
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
            figures = measure(http, database_url)
            files = files_load.measure(http, token["access_token"], f"127.0.0.1:{8006 + OFFSET}")
    finally:
        subprocess.run([tablemesh, "down"], env=env, check=False, stdout=subprocess.DEVNULL)
    baseline = statistics.median(figures["REST write of one record (baseline)"])
    table = Table(title=f"workflows: record event -> execution ({RUNS} runs each, ms)")
    for column in ("what", "p50", "p95", "p50 / the REST write"):
        table.add_column(column)
    for what, values in figures.items():
        p50 = statistics.median(values)
        table.add_row(what, f"{p50:.0f}", f"{pct(values, 0.95):.0f}", f"{p50 / baseline:.1f}x")
    console = Console(width=140)
    console.print(table)
    uploads = Table(title="files: uploads and extraction")
    for column in ("what", "measured"):
        uploads.add_column(column)
    for what, value in files:
        uploads.add_row(what, value)
    console.print(uploads)


if __name__ == "__main__":
    main()
