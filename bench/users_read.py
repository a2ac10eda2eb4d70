"""Benchmark: GET a user through Envoy (REST), over direct gRPC, and on a FastAPI + uvicorn
baseline doing the same read, at 1 and 2 worker processes; plus idle memory per service
process and the time from `tablemesh up` to all healthy. Prints tables of ratios measured
in this one run. `make bench` (uses DATABASE_URL/REDIS_URL when set, else embedded)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import grpc
import httpx
from rich.console import Console
from rich.table import Table
from tablemesh.users.v1 import users_service_pb2 as pb
from tablemesh.users.v1 import users_service_pb2_grpc as pb_grpc

from bench import loadgen

OFFSET = 2000
BIN = Path(sys.executable).parent
VAR = Path("var/bench").resolve()
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "16"))
console = Console()


def env_for(workers: int) -> dict[str, str]:
    return {
        **os.environ,
        "TABLEMESH_PORT_OFFSET": str(OFFSET),
        "TABLEMESH_VAR_DIR": str(VAR),
        "TABLEMESH_WORKERS": str(workers),
        "TABLEMESH_LOG_LEVEL": "warning",
        "TABLEMESH_AUTH_RATE_LIMIT_PER_MINUTE": "100000",
    }


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def grpc_get(
    target: str, user_id: str, token: str
) -> Callable[[], Awaitable[Callable[[], Awaitable[bool]]]]:
    async def make() -> Callable[[], Awaitable[bool]]:
        stub = pb_grpc.UsersServiceStub(grpc.aio.insecure_channel(target))
        metadata = (("authorization", f"Bearer {token}"),)

        async def call() -> bool:
            await stub.GetUser(pb.GetUserRequest(user_id=user_id), metadata=metadata)
            return True

        return call

    return make


def start_fastapi(
    workers: int, port: int, state: dict[str, str], jwks: str
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": state["database_url"],
        "REDIS_URL": state["redis_url"],
        "BENCH_JWKS": jwks,
    }
    proc = subprocess.Popen(
        [
            str(BIN / "uvicorn"),
            "bench.fastapi_baseline:app",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("uvicorn did not start")


def measure(workers: int) -> tuple[dict[str, loadgen.Result], dict[str, list[float]], float]:
    env = env_for(workers)
    began = time.perf_counter()
    subprocess.run([str(BIN / "tablemesh"), "up", "--detach"], env=env, check=True)
    up_seconds = time.perf_counter() - began
    try:
        state = json.loads((VAR / "run" / "state.json").read_text())
        memory = {
            name: [rss_mib(p) for p in pids]
            for name, pids in state["processes"].items()
            if isinstance(pids, list)
        }
        base = f"http://127.0.0.1:{8000 + OFFSET}"
        email = f"bench{uuid.uuid4().hex[:8]}@example.com"
        account = httpx.post(
            f"{base}/api/v1/auth/register",
            json={
                "email": email,
                "password": "bench password",
                "first_name": "B",
                "last_name": "M",
            },
        ).json()
        token, user_id = account["access_token"], account["principal"]["user_id"]
        jwks = httpx.get(f"{base}/api/v1/auth/jwks").text
        fastapi_port = 8100 + OFFSET
        uvicorn = start_fastapi(workers, fastapi_port, state, jwks)
        path = f"/api/v1/users/{user_id}"
        targets = {
            "REST via Envoy": loadgen.http_get("127.0.0.1", 8000 + OFFSET, path, token),
            "gRPC direct": grpc_get(f"127.0.0.1:{8010 + OFFSET}", user_id, token),
            "FastAPI baseline": loadgen.http_get("127.0.0.1", fastapi_port, path, token),
        }
        results = {}
        try:
            for name, make in targets.items():
                asyncio.run(loadgen.run(make, CONCURRENCY, 1.0))  # warm-up
                results[name] = asyncio.run(loadgen.run(make, CONCURRENCY, SECONDS))
        finally:
            uvicorn.terminate()
            uvicorn.wait(10)
        return results, memory, up_seconds
    finally:
        subprocess.run([str(BIN / "tablemesh"), "down"], env=env, check=False)


def main() -> None:
    table = Table(title=f"GET /api/v1/users/{{id}}: {CONCURRENCY} clients, {SECONDS:.0f} s each")
    for column in ("workers", "target", "req/s", "p50 ms", "p99 ms", "errors", "vs FastAPI"):
        table.add_column(column, justify="right" if column != "target" else "left")
    mem = Table(title="idle memory (RSS MiB per process) and start-up")
    for column in ("workers", "process", "RSS MiB"):
        mem.add_column(column)
    for workers in (1, 2):
        results, memory, up_seconds = measure(workers)
        baseline = results["FastAPI baseline"].rps
        for name, r in results.items():
            table.add_row(
                str(workers),
                name,
                f"{r.rps:.0f}",
                f"{r.p50:.2f}",
                f"{r.percentile(0.99):.2f}",
                str(r.errors),
                f"{r.rps / baseline:.2f}x",
            )
        for name, values in memory.items():
            mem.add_row(str(workers), name, ", ".join(f"{v:.0f}" for v in values))
        mem.add_row(str(workers), "[bold]tablemesh up → all healthy[/bold]", f"{up_seconds:.1f} s")
    console.print(table)
    console.print(mem)


if __name__ == "__main__":
    main()
