"""`tablemesh up` in this process: data stores, migrations, services, Envoy, then supervise.

Startup is one task raced against the stop signal, so Ctrl-C during startup still tears
down whatever was already started. Shutdown order matters: services drain first while
Envoy still carries their in-flight replies, then Envoy, then Redis and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from rich.console import Console
from rich.status import Status

from services.launcher import components, health, ports, report
from services.launcher import state as statefile
from services.launcher.datastores import (
    DataStores,
    start_datastores,
    stop_datastores,
    watch_postgres,
)
from services.launcher.layout import Layout
from services.launcher.logs import show_tail
from services.launcher.supervisor import Supervisor
from services.runtime.config import settings
from services.runtime.metrics import METRICS_PORT_SHIFT
from services.runtime.registry import SERVICES, envoy_admin_port, gateway_port, mcp_http_port


class StartupError(Exception):
    def __init__(self, message: str, failures: dict[str, str], logs: list[Path]) -> None:
        super().__init__(message)
        self.failures = failures
        self.logs = logs


class Mesh:
    def __init__(self, lay: Layout, console: Console, *, detached: bool, timeout: float) -> None:
        self.lay = lay
        self.console = console
        self.cfg = settings()
        self.timeout = timeout
        self.supervisor = Supervisor(notify=self.notify, on_change=self.save)
        ports = {s.name: s.port for s in SERVICES}
        ports |= {"gateway": gateway_port(), "envoy-admin": envoy_admin_port()}
        self.state = statefile.State(
            os.getpid(),
            detached=detached,
            port_offset=self.cfg.port_offset,
            ports=ports,
            fault_injection=self.cfg.fault_injection,
        )
        self.stores: DataStores | None = None
        # Restarts the embedded PostgreSQL when it dies (Redis is the supervisor's child).
        self.postgres_watch: asyncio.Task[None] | None = None

    def notify(self, message: str) -> None:
        self.console.print(f"[yellow]{time.strftime('%H:%M:%S')} {message}[/yellow]")

    def save(self) -> None:
        self.state.processes = self.supervisor.pids()
        statefile.write(self.lay.state_file, self.state)

    async def run(self, stop: asyncio.Event) -> int:
        """Start everything, supervise until `stop` is set, stop everything; the exit code."""
        self.save()
        startup = asyncio.create_task(self.start())
        stopped = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({startup, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if not startup.done():
                startup.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await startup
                self.console.print("interrupted during startup")
                return 0
            startup.result()
            self.watch_stores()
            self.state.status = statefile.READY
            self.save()
            self.console.print(report.table(await report.collect(self.state), self.state))
            self.console.print(f"gateway on http://127.0.0.1:{gateway_port()}; Ctrl-C stops")
            await stopped
            return 0
        except StartupError as exc:
            self.state.status, self.state.failures = statefile.FAILED, exc.failures
            self.save()
            self.console.print(f"[red]startup failed: {exc}[/red]")
            for log in exc.logs:
                show_tail(self.console, log)
            return 1
        finally:
            stopped.cancel()
            await self.shutdown()

    def watch_stores(self) -> None:
        if self.stores is None or self.stores.pg_data is None:
            return

        def restarted(pid: int) -> None:
            self.state.postgres_pid = pid
            self.save()

        watch = watch_postgres(self.stores.pg_data, self.notify, restarted)
        self.postgres_watch = asyncio.create_task(watch)

    async def start(self) -> None:
        extra = {f"{s.name} metrics": s.port + METRICS_PORT_SHIFT for s in SERVICES}
        extra["mcp http"] = mcp_http_port()
        taken = ports.busy({**self.state.ports, **extra})
        if taken:
            listed = ", ".join(f"{name} :{port}" for name, port in taken.items())
            raise StartupError(
                f"ports already in use: {listed} (another tablemesh? try `tablemesh status`, "
                "or set TABLEMESH_PORT_OFFSET)",
                {name: "port in use" for name in taken},
                [],
            )
        with self.console.status("starting data stores") as status:
            try:
                self.stores = await start_datastores(
                    self.lay, self.supervisor, self.cfg.database_url, self.cfg.redis_url
                )
            except Exception as exc:  # any failure here means no data store: report it all
                logs = [self.lay.log("redis"), self.lay.log("postgres")]
                raise StartupError(
                    f"data stores: {exc!r}", {"datastores": repr(exc)}, logs
                ) from exc
            self.state.database_url = self.stores.database_url
            self.state.redis_url = self.stores.redis_url
            self.state.pg_data = str(self.stores.pg_data) if self.stores.pg_data else None
            self.state.postgres_pid = self.stores.postgres_pid
            self.save()
            env = components.child_env(self.lay, self.stores.database_url, self.stores.redis_url)

            status.update("applying migrations")
            names = [s.name for s in SERVICES if s.uses_database]
            results = await asyncio.gather(*(components.migrate(n, self.lay, env) for n in names))
            failed = {n: why for n, why in zip(names, results, strict=True) if why}
            if failed:
                raise StartupError("migrations failed", failed, [self.lay.log(n) for n in failed])

            status.update("starting services")
            for spec in SERVICES:
                await self.supervisor.start(
                    components.service_process(spec, self.lay, self.cfg, env)
                )
            status.update("starting envoy")
            try:
                await self.supervisor.start(components.envoy_process(self.lay, self.cfg, env))
            except Exception as exc:  # config rendering is someone else's code: report anything
                raise StartupError(f"envoy: {exc!r}", {"envoy": repr(exc)}, []) from exc
            await self.wait_healthy(status)

    async def wait_healthy(self, status: Status) -> None:
        probes: dict[str, Callable[[], Awaitable[str]]] = {
            s.name: functools.partial(health.grpc_health, s.port) for s in SERVICES
        }
        probes["envoy"] = functools.partial(health.envoy_ready, envoy_admin_port())
        began = time.monotonic()
        while True:
            names = list(probes)
            results = await asyncio.gather(*(probes[n]() for n in names))
            for name, result in zip(names, results, strict=True):
                if result in health.HEALTHY:
                    self.console.print(f"  [green]✓[/green] {name} {result}")
                    del probes[name]
            elapsed = time.monotonic() - began
            if not probes:
                return
            if elapsed > self.timeout:
                failures = dict(zip(names, results, strict=True))
                failures = {n: failures[n] for n in probes}
                logs = [self.lay.log(n) for n in probes]
                raise StartupError(f"not healthy after {self.timeout:g}s", failures, logs)
            status.update(f"waiting for {', '.join(probes)} to be healthy ({elapsed:.0f}s)")
            await asyncio.sleep(0.25)

    async def shutdown(self) -> None:
        self.state.status = statefile.STOPPING
        self.save()
        with self.console.status("stopping"):
            if self.postgres_watch is not None:
                self.postgres_watch.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self.postgres_watch
            services = [s.name for s in SERVICES]
            await self.supervisor.stop(services, grace=self.cfg.shutdown_grace + 5)
            await self.supervisor.stop([components.ENVOY], grace=10)
            # Startup may have been interrupted before self.stores was set.
            stores = self.stores or DataStores(
                "", "", pg_data=None if self.cfg.database_url else self.lay.pg_data
            )
            stores.redis_embedded = not self.cfg.redis_url
            await stop_datastores(stores, self.supervisor)
            await self.supervisor.stop()
        self.state.status = statefile.STOPPED
        self.save()
        self.console.print("stopped")
