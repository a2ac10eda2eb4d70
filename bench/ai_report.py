"""The AI chain bench's measuring and tables: a run's latencies with the CPU time the mesh
processes spent on it (utime + stime from /proc/<pid>/stat, before and after), and the
goals of the chain as ratios of this one run's rows."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench import loadgen
from bench.compiled_load import cpu_seconds

Make = Callable[[], Awaitable[Callable[[], Awaitable[bool]]]]

TOOL, DIRECT = "get_records tool via mcp (gRPC)", "ListRecords(100) gRPC direct"
MODEL = "scripted model call alone (HTTP)"
TURN_GRPC, TURN_REST = "chat turn, no tool (gRPC to llm)", "chat turn, no tool (REST)"


@dataclass(frozen=True)
class Run:
    name: str
    clients: int
    result: loadgen.Result
    # CPU milliseconds per request, by mesh process group (llm, mcp, airtable, envoy).
    cpu_ms: dict[str, float]


def mesh_pids(var_dir: Path, groups: tuple[str, ...]) -> dict[str, list[int]]:
    """The pids of each process group of the running mesh, from the launcher's state."""
    state = json.loads((var_dir / "run" / "state.json").read_text())
    return {g: list(state["processes"].get(g, [])) for g in groups}


def group_seconds(pids: dict[str, list[int]]) -> dict[str, float]:
    return {group: cpu_seconds(found) for group, found in pids.items()}


def run_measured(
    name: str, make: Make, clients: int, seconds: float, pids: dict[str, list[int]]
) -> Run:
    before = group_seconds(pids)
    result = asyncio.run(loadgen.run(make, clients, seconds))
    after = group_seconds(pids)
    n = max(1, result.requests)
    cpu = {g: (after[g] - before[g]) * 1000 / n for g in pids}
    return Run(name, clients, result, cpu)


def _p50(runs: list[Run], name: str, clients: int) -> float:
    for run in runs:
        if run.name == name and run.clients == clients:
            return run.result.p50
    return float("nan")


def _cpu(runs: list[Run], name: str, group: str, clients: int) -> float:
    for run in runs:
        if run.name == name and run.clients == clients:
            return run.cpu_ms.get(group, float("nan"))
    return float("nan")


def rows_table(runs: list[Run], seconds: float) -> Table:
    table = Table(title=f"the AI chain, {seconds:g} s per row (CPU: ms per request, /proc)")
    columns = ["target", "clients", "req/s", "p50 ms", "p99 ms", "errors"]
    groups = list(runs[0].cpu_ms) if runs else []
    for column in columns + [f"{g} CPU" for g in groups]:
        table.add_column(column, justify="left" if column == "target" else "right")
    for run in runs:
        r = run.result
        table.add_row(
            run.name,
            str(run.clients),
            f"{r.rps:.0f}",
            f"{r.p50:.2f}",
            f"{r.percentile(0.99):.2f}",
            str(r.errors),
            *(f"{run.cpu_ms[g]:.2f}" for g in groups),
        )
    return table


def goals_table(runs: list[Run], clients: int) -> Table:
    table = Table(title="goals (issue 9), from the rows above")
    for column in ("measure", "1 client", f"{clients} clients", "goal"):
        table.add_column(column, justify="left" if column == "measure" else "right")

    def both(f: Callable[[int], float], unit: str) -> list[str]:
        return [f"{f(c):.2f}{unit}" for c in (1, clients)]

    table.add_row(
        "chat turn overhead, gRPC (turn p50 - model call p50)",
        *both(lambda c: _p50(runs, TURN_GRPC, c) - _p50(runs, MODEL, c), " ms"),
        "<= 10 ms (1 client)",
    )
    table.add_row(
        "chat turn overhead, REST via Envoy (turn p50 - model call p50)",
        *both(lambda c: _p50(runs, TURN_REST, c) - _p50(runs, MODEL, c), " ms"),
        "",
    )
    table.add_row(
        "tool call via mcp / direct ListRecords, p50",
        *both(lambda c: _p50(runs, TOOL, c) / _p50(runs, DIRECT, c), "x"),
        "<= 1.3x (1 client)",
    )
    table.add_row(
        "llm CPU per chat turn (gRPC)", *both(lambda c: _cpu(runs, TURN_GRPC, "llm", c), " ms"), ""
    )
    table.add_row("mcp CPU per tool call", *both(lambda c: _cpu(runs, TOOL, "mcp", c), " ms"), "")
    table.add_row(
        "airtable CPU per ListRecords(100)",
        *both(lambda c: _cpu(runs, DIRECT, "airtable", c), " ms"),
        "",
    )
    return table


def report(runs: list[Run], seconds: float, clients: int) -> None:
    console = Console(width=170)
    console.print(rows_table(runs, seconds))
    console.print(goals_table(runs, clients))
