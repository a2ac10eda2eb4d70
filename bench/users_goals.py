"""The hot-path goals (issue 9) checked against the rows of one `make bench` run, each with
what stands in its way where it is missed, read from the same run: when the no-op ceiling
itself misses a goal, no work on our own code can meet it on this machine, and the row
says so instead of leaving a bare "no"."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

from rich.table import Table

from bench.compiled_load import Run, rss_mib

CEILING = "no-op ceiling (REST via Envoy)"
REST = "REST via Envoy"
FASTAPI = "FastAPI baseline"
# Processes the launcher runs that are not our Python services (or, for the local model,
# whose memory is its weights).
NOT_SERVICES = {"envoy", "postgres", "redis", "model"}


# What every service process imports before any code of ours runs.
LIBRARIES = "grpc, google.protobuf, redis.asyncio, sqlalchemy.ext.asyncio, psycopg, structlog"


def libraries_rss_mib() -> float:
    """The resident memory of a Python process that has only imported the libraries every
    service needs: the floor under a service process's idle memory."""
    code = f"import sys, {LIBRARIES}; print('ready', flush=True); sys.stdin.read()"
    with subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    ) as proc:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        rss = rss_mib(proc.pid)
        proc.communicate(b"")
    return rss


@dataclass(frozen=True)
class Measured:
    """One worker count's runs, idle memory and start-up."""

    workers: int
    runs: dict[str, Run]
    rss_mib: dict[str, list[float]]
    up_seconds: float
    # CPU seconds the mesh's processes had spent when all were healthy.
    boot_cpu_seconds: float

    def run(self, prefix: str) -> Run:
        return next(r for name, r in self.runs.items() if name.startswith(prefix))


def _row(table: Table, goal: str, value: str, met: bool, why: str = "") -> None:
    table.add_row(goal, value, "[green]met[/green]" if met else "[red]not met[/red]", why)


def goals_table(rounds: list[Measured], floor_mib: float) -> Table:
    table = Table(title="goals (issue 9), from the rows above")
    for column in ("goal", "measured", "", "what stands in the way (same run)"):
        table.add_column(column)
    for m in rounds:
        ceiling, rest, fastapi = m.run(CEILING), m.run(REST), m.run(FASTAPI)
        w = f"{m.workers} worker(s)"
        ratio = rest.rps / ceiling.rps
        _row(table, f"REST >= 0.6x the no-op ceiling, {w}", f"{ratio:.2f}x", ratio >= 0.6)
        ratio, top = rest.rps / fastapi.rps, ceiling.rps / fastapi.rps
        why = f"the no-op ceiling itself is {top:.2f}x FastAPI" if top < 1 else ""
        _row(table, f"REST >= 1.0x FastAPI, {w}", f"{ratio:.2f}x", ratio >= 1, why)
        for group, goal in (("service", 250.0), ("envoy", 110.0)):
            spent, floor = rest.cpu_us[group], ceiling.cpu_us[group]
            why = f"a no-op {group} spends {floor:.0f} us" if floor > goal else ""
            name = f"{'users' if group == 'service' else 'Envoy'} CPU <= {goal:.0f} us/req, {w}"
            _row(table, name, f"{spent:.0f} us", spent <= goal, why)
        services = {k: v for k, v in m.rss_mib.items() if k not in NOT_SERVICES}
        heaviest = max(services, key=lambda k: max(services[k]))
        rss = max(services[heaviest])
        rss_goal = f"idle RSS <= 80 MiB per service process, {w}"
        why = f"Python with the libraries alone: {floor_mib:.0f} MiB" if rss > 80 else ""
        _row(table, rss_goal, f"{rss:.0f} MiB ({heaviest})", rss <= 80, why)
        up, cores = m.up_seconds, os.cpu_count() or 1
        spent = m.boot_cpu_seconds
        why = f"starting took {spent:.1f} CPU s: >= {spent / cores:.1f} s on {cores} cores"
        _row(
            table,
            f"tablemesh up -> all healthy < 5 s, {w}",
            f"{up:.1f} s",
            up < 5,
            why if up >= 5 else "",
        )
    if len(rounds) == 2:
        one, two = rounds
        grpc = two.run("gRPC direct").rps / one.run("gRPC direct").rps
        fast = two.run(FASTAPI).rps / one.run(FASTAPI).rps
        scale = f"{grpc:.2f}x (FastAPI {fast:.2f}x)"
        _row(table, "direct gRPC scales 1 -> 2 workers like FastAPI", scale, grpc >= 0.9 * fast)
    return table
