"""Benchmark of the webhooks service: deliveries per second to a local receiver, and the
delay from an event (a record written through Envoy) to its delivery.

A mesh of its own (port offset 2700) delivers to a receiver on 127.0.0.1 (allowed through
TABLEMESH_WEBHOOKS_ALLOWED_DESTINATIONS). The delay runs from the record's own timestamp in
PostgreSQL to the moment the receiver got the signed POST (one at a time, each after the
last was delivered); the rate is a burst of records, 10 per write, until every message
arrived. `make bench-webhooks` (DATABASE_URL/REDIS_URL when set, else embedded)."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import psycopg
from rich.console import Console
from rich.table import Table

OFFSET = 2700
BIN = Path(sys.executable).parent
VAR = Path("var/bench-webhooks").resolve()
RUNS = int(os.environ.get("BENCH_WEBHOOKS_RUNS", "40"))
BURST = int(os.environ.get("BENCH_WEBHOOKS_BURST", "1000"))
BASE = f"http://127.0.0.1:{8000 + OFFSET}"
FIELDS = [{"name": "Name", "type": "singleLineText"}]
CREATED = "SELECT extract(epoch FROM created_at) FROM airtable.records WHERE id = %s"


class Arrivals:
    """When each delivery arrived (wall clock), by the record id it carried."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, float] = {}

    def count(self) -> int:
        with self.lock:
            return len(self.times)


def receiver(arrivals: Arrivals) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            got = time.time()
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            with arrivals.lock:
                for record in body.get("records", {}).get("records", []):
                    arrivals.times.setdefault(record["id"], got)
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def wait_for(arrivals: Arrivals, count: int, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while arrivals.count() < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{arrivals.count()} of {count} deliveries arrived")
        time.sleep(0.002)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(http: httpx.Client, database_url: str, url: str, arrivals: Arrivals) -> dict[str, str]:
    made = http.post(
        "/api/v1/bases", json={"name": "B", "tables": [{"name": "T", "fields": FIELDS}]}
    )
    made.raise_for_status()
    records = (
        f"/api/v1/bases/{made.json()['base']['id']}/tables/{made.json()['tables'][0]['id']}/records"
    )
    body = {"url": url, "event_types": ["record.created"], "enabled": True}
    http.post("/api/v1/webhooks/endpoints", json=body).raise_for_status()
    delays, writes = [], []
    with psycopg.connect(database_url, autocommit=True) as conn:
        for i in range(RUNS):
            began = time.perf_counter()
            reply = http.post(records, json={"records": [{"fields": {"Name": f"r{i}"}}]})
            writes.append((time.perf_counter() - began) * 1000)
            record = reply.json()["records"][0]["id"]
            wait_for(arrivals, i + 1)
            created = float(conn.execute(CREATED, (record,)).fetchone()[0])  # type: ignore[index]
            delays.append((arrivals.times[record] - created) * 1000)
    began, start_count = time.monotonic(), arrivals.count()
    for i in range(0, BURST, 10):
        batch = [{"fields": {"Name": f"burst {i + j}"}} for j in range(10)]
        http.post(records, json={"records": batch}).raise_for_status()
    wait_for(arrivals, start_count + BURST)
    took = time.monotonic() - began
    write_p50, write_p95 = statistics.median(writes), pct(writes, 0.95)
    return {
        "REST write of one record p50 / p95 (ms)": f"{write_p50:.0f} / {write_p95:.0f}",
        "record written -> delivered p50 (ms)": f"{statistics.median(delays):.0f}",
        "record written -> delivered p95 (ms)": f"{pct(delays, 0.95):.0f}",
        f"burst of {BURST} records (10 per write) -> all delivered (s)": f"{took:.1f}",
        # Each write of 10 records is one event, so one message (one POST) of 10 records.
        "records delivered per second (burst, writes included)": f"{BURST / took:.0f}",
        "messages (POSTs) delivered per second (burst)": f"{BURST / 10 / took:.1f}",
    }


def main() -> None:
    arrivals = Arrivals()
    server = receiver(arrivals)
    url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    env = {
        **os.environ,
        "TABLEMESH_PORT_OFFSET": str(OFFSET),
        "TABLEMESH_VAR_DIR": str(VAR),
        "TABLEMESH_LOG_LEVEL": "warning",
        "TABLEMESH_AUTH_RATE_LIMIT_PER_MINUTE": "100000",
        "TABLEMESH_LLM_PROVIDER": "none",
        "TABLEMESH_WEBHOOKS_ALLOWED_DESTINATIONS": "127.0.0.1/32",
        "TABLEMESH_WEBHOOKS_ALLOWED_DESTINATIONS_ONLY": "true",
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
            figures = measure(http, database_url, url, arrivals)
    finally:
        subprocess.run([tablemesh, "down"], env=env, check=False, stdout=subprocess.DEVNULL)
        server.shutdown()
    table = Table(title=f"webhooks: record event -> signed delivery ({RUNS} one at a time)")
    for column in ("what", "measured"):
        table.add_column(column)
    for what, value in figures.items():
        table.add_row(what, value)
    Console(width=140).print(table)


if __name__ == "__main__":
    main()
