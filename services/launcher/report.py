"""The table `tablemesh up` ends with and `tablemesh status` prints, from live checks."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from rich.table import Table

from services.launcher import health
from services.launcher.state import State, alive
from services.runtime.registry import BY_NAME, SERVICES, envoy_admin_port, gateway_port


@dataclass
class Row:
    name: str
    address: str
    pids: list[int]
    health: str

    @property
    def healthy(self) -> bool:
        return self.health in health.HEALTHY


def redact(url: str) -> str:
    """Drop a password from a URL before printing it."""
    scheme, sep, rest = url.partition("://")
    userinfo, at, host = rest.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    return f"{scheme}{sep}{userinfo.split(':', 1)[0]}:***@{host}"


async def collect(state: State | None) -> list[Row]:
    """Probe everything in the mesh concurrently; pids come from the launcher's state."""
    pids = state.processes if state else {}
    # The services the launcher started (their ports are in its state): without the local
    # model provider, no model service.
    services = [s for s in SERVICES if state is None or s.name in state.ports]
    rows = [Row(s.name, f"127.0.0.1:{s.port}", pids.get(s.name, []), "") for s in services]
    probes = [health.grpc_health(s.port) for s in services]
    envoy = Row(
        "envoy", f":{gateway_port()} (admin :{envoy_admin_port()})", pids.get("envoy", []), ""
    )
    rows.append(envoy)
    probes.append(health.envoy_ready(envoy_admin_port()))
    if state is not None:
        pg_pids = [state.postgres_pid] if state.postgres_pid else []
        kind = "embedded" if state.pg_data else "external"
        rows.append(Row(f"postgres ({kind})", redact(state.database_url), pg_pids, ""))
        probes.append(health.postgres_ok(state.database_url))
        kind = "embedded" if "redis" in pids else "external"
        rows.append(Row(f"redis ({kind})", redact(state.redis_url), pids.get("redis", []), ""))
        probes.append(health.redis_ok(state.redis_url))
    # The model's file and state, after every row's probe, when a model service runs.
    model_row = next((row for row in rows if row.name == "model"), None)
    if model_row is not None:
        probes.append(health.model_state(BY_NAME["model"].port))
    results = await asyncio.gather(*probes)
    for row, result in zip(rows, results, strict=False):
        row.health = result
    if model_row is not None and results[-1]:
        model_row.address += f" {results[-1]}"
    return rows


def table(rows: list[Row], state: State | None) -> Table:
    title = "tablemesh"
    if state is not None:
        title += f" (launcher pid {state.supervisor_pid}, {state.status})"
        if state.fault_injection:
            title += " [bold red]fault injection on[/bold red]"
    out = Table(title=title)
    for column in ("service", "address", "pids", "health"):
        # Fold rather than truncate: a cut-off socket path or URL is useless to copy.
        out.add_column(column, overflow="fold")
    for row in rows:
        pids = " ".join(str(p) if alive(p) else f"{p}(dead)" for p in row.pids) or "-"
        colour = "green" if row.healthy else "red"
        out.add_row(row.name, row.address, pids, f"[{colour}]{row.health}[/{colour}]")
    return out
