"""Benchmark: GET a user through Envoy (REST) and over direct gRPC, beside the ceiling of
this stack (REST through Envoy into a servicer that does nothing, bench/ceiling.py) and a
FastAPI + uvicorn baseline doing the same read, at 1 and 2 worker processes; with the CPU
time per request of every server process, idle memory per service process, and the time
from `tablemesh up` to all healthy. Load comes from compiled generators (wrk, h2load).
Prints tables of ratios measured in this one run. `make bench` (uses DATABASE_URL and
REDIS_URL when set, else embedded stores)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import grpc
import httpx
from rich.console import Console
from rich.table import Table
from tablemesh.users.v1 import users_service_pb2 as pb
from tablemesh.users.v1 import users_service_pb2_grpc as pb_grpc

from bench import ceiling, profile
from bench.compiled_load import Run, cpu_seconds, grpc_frame, h2load, measured, rss_mib, wrk
from bench.users_goals import Measured, goals_table, libraries_rss_mib

OFFSET = int(os.environ.get("BENCH_PORT_OFFSET", "2000"))
BIN = Path(sys.executable).parent
VAR = Path(os.environ.get("BENCH_VAR_DIR", "var/bench")).resolve()
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
CONNECTIONS = int(os.environ.get("BENCH_CONCURRENCY", "16"))
PROFILE = os.environ.get("BENCH_PROFILE") == "1"
GATEWAY, USERS = 8000 + OFFSET, 8010 + OFFSET
FASTAPI, NOOP, NOOP_ENVOY, NOOP_ADMIN = (8100 + OFFSET + n for n in range(4))
console = Console(width=160)


def env_for(workers: int) -> dict[str, str]:
    return {
        **os.environ,
        "TABLEMESH_PORT_OFFSET": str(OFFSET),
        "TABLEMESH_VAR_DIR": str(VAR),
        "TABLEMESH_WORKERS": str(workers),
        "TABLEMESH_AUTH_RATE_LIMIT_PER_MINUTE": "100000",
        # The API's mesh without the model service: its 1.9 GB and its load time are
        # `make bench-ai`'s (bench/local_model.py), not a profile read's.
        "TABLEMESH_LLM_PROVIDER": os.environ.get("TABLEMESH_LLM_PROVIDER", "none"),
    }


def family(pid: int) -> list[int]:
    """A process and its children (uvicorn's and the ceiling's workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid, *(int(c) for c in children)]


def wait_http(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    for _ in range(150):
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not start")


def start_fastapi(workers: int, state: dict[str, str], jwks: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": state["database_url"],
        "REDIS_URL": state["redis_url"],
        "BENCH_JWKS": jwks,
    }
    command = [str(BIN / "uvicorn"), "bench.fastapi_baseline:app", "--port", str(FASTAPI)]
    command += ["--workers", str(workers), "--loop", "uvloop", "--http", "httptools"]
    proc = subprocess.Popen([*command, "--log-level", "warning", "--no-access-log"], env=env)
    wait_http(f"http://127.0.0.1:{FASTAPI}/docs", proc, "uvicorn")
    return proc


def start_ceiling(workers: int) -> tuple[list[subprocess.Popen[bytes]], subprocess.Popen[bytes]]:
    command = [sys.executable, "-m", "bench.ceiling", str(NOOP)]
    servicers = [subprocess.Popen(command) for _ in range(workers)]
    config = ceiling.write_config(VAR / "ceiling-envoy.json", NOOP_ENVOY, NOOP, NOOP_ADMIN)
    envoy = subprocess.Popen(
        [str(BIN / "envoy"), "-c", str(config), "--base-id", str(OFFSET + 77), "-l", "warning"],
        stdout=subprocess.DEVNULL,
    )
    wait_http(f"http://127.0.0.1:{NOOP_ADMIN}/ready", envoy, "the ceiling's Envoy")
    return servicers, envoy


def check_grpc(user_id: str, token: str) -> Path:
    """One real call first (h2load counts HTTP statuses, not gRPC ones); the request body."""
    request = pb.GetUserRequest(user_id=user_id)
    with grpc.insecure_channel(f"127.0.0.1:{USERS}") as channel:
        reply = pb_grpc.UsersServiceStub(channel).GetUser(
            request, metadata=(("authorization", f"Bearer {token}"),), timeout=10
        )
    assert reply.user.id == user_id
    body = VAR / "get-user.grpc"
    body.write_bytes(grpc_frame(request.SerializeToString()))
    return body


def register(base: str) -> tuple[str, str]:
    email = f"bench{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": "bench password", "first_name": "B", "last_name": "M"}
    account = httpx.post(f"{base}/api/v1/auth/register", json=body).json()
    return account["access_token"], account["principal"]["user_id"]


def measure(workers: int) -> Measured:
    env = env_for(workers)
    began = time.perf_counter()
    subprocess.run([str(BIN / "tablemesh"), "up", "--detach"], env=env, check=True)
    up_seconds = time.perf_counter() - began
    started: list[subprocess.Popen[bytes]] = []
    try:
        state = json.loads((VAR / "run" / "state.json").read_text())
        processes = {k: v for k, v in state["processes"].items() if isinstance(v, list)}
        memory = {name: [rss_mib(p) for p in pids] for name, pids in processes.items()}
        boot_cpu = cpu_seconds(p for pids in processes.values() for p in pids)
        base = f"http://127.0.0.1:{GATEWAY}"
        token, user_id = register(base)
        jwks = httpx.get(f"{base}/api/v1/auth/jwks").text
        uvicorn = start_fastapi(workers, state, jwks)
        started.append(uvicorn)
        noop, noop_envoy = start_ceiling(workers)
        started += [*noop, noop_envoy]
        body = check_grpc(user_id, token)
        path = f"/api/v1/users/{user_id}"
        users, envoy = processes["users"], processes["envoy"]
        targets: dict[str, tuple[Callable[[int], Run], dict[str, list[int]]]] = {
            "no-op ceiling (REST via Envoy)": (
                lambda s: wrk(f"http://127.0.0.1:{NOOP_ENVOY}{path}", token, CONNECTIONS, s),
                {"service": [p.pid for p in noop], "envoy": [noop_envoy.pid]},
            ),
            "REST via Envoy": (
                lambda s: wrk(f"{base}{path}", token, CONNECTIONS, s),
                {"service": users, "envoy": envoy},
            ),
            f"gRPC direct ({CONNECTIONS} channels)": (
                lambda s: h2load(
                    f"http://127.0.0.1:{USERS}/tablemesh.users.v1.UsersService/GetUser",
                    body,
                    token,
                    CONNECTIONS,
                    s,
                ),
                {"service": users},
            ),
            "FastAPI baseline": (
                lambda s: wrk(f"http://127.0.0.1:{FASTAPI}{path}", token, CONNECTIONS, s),
                {"service": family(uvicorn.pid)},
            ),
        }
        results = {}
        for name, (load, groups) in targets.items():
            load(1)  # warm-up: connections, caches
            spy = None
            if PROFILE and name == "REST via Envoy":
                raw = VAR / f"profile-users-{workers}.txt"
                spy = profile.record(users[0], SECONDS - 1, raw)
            results[name] = measured(lambda load=load: load(SECONDS), groups)  # type: ignore[misc]
            if spy is not None:
                spy.wait(30)
                profile.show(raw, f"users worker, REST via Envoy, {workers} worker(s)", console)
        return Measured(workers, results, memory, up_seconds, boot_cpu)
    finally:
        for proc in started:
            proc.terminate()
            proc.wait(10)
        subprocess.run([str(BIN / "tablemesh"), "down"], env=env, check=False)


def cpu(run: Run, group: str) -> str:
    return f"{run.cpu_us[group]:.0f}" if group in run.cpu_us else "-"


def main() -> None:
    title = f"GET /api/v1/users/{{id}}: {CONNECTIONS} connections, {SECONDS} s each"
    table = Table(title=title)
    columns = ("workers", "target", "req/s", "p50 ms", "p99 ms", "errors", "vs ceiling")
    for column in (*columns, "vs FastAPI", "service CPU us/req", "Envoy CPU us/req"):
        table.add_column(column, justify="left" if column == "target" else "right")
    mem = Table(title="idle memory (RSS MiB per process) and start-up")
    for column in ("workers", "process", "RSS MiB"):
        mem.add_column(column)
    rounds = []
    for workers in (1, 2):
        measured_round = measure(workers)
        rounds.append(measured_round)
        results, memory = measured_round.runs, measured_round.rss_mib
        top = results["no-op ceiling (REST via Envoy)"].rps
        baseline = results["FastAPI baseline"].rps
        for name, r in results.items():
            table.add_row(
                str(workers),
                name,
                f"{r.rps:.0f}",
                f"{r.p50_ms:.2f}",
                f"{r.p99_ms:.2f}",
                str(r.errors),
                f"{r.rps / top:.2f}x",
                f"{r.rps / baseline:.2f}x",
                cpu(r, "service"),
                cpu(r, "envoy"),
            )
        for name, values in memory.items():
            mem.add_row(str(workers), name, ", ".join(f"{v:.0f}" for v in values))
        up = f"{measured_round.up_seconds:.1f} s"
        mem.add_row(str(workers), "[bold]tablemesh up → all healthy[/bold]", up)
    console.print(table)
    console.print(mem)
    console.print(goals_table(rounds, libraries_rss_mib()))


if __name__ == "__main__":
    main()
