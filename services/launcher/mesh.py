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
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.status import Status

from services.launcher import components, health, model_file, ports, report, schema_versions
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
from services.runtime.config import mesh_services, settings
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
        self.services = mesh_services(self.cfg)
        self.supervisor = Supervisor(notify=self.notify, on_change=self.save)
        ports = {s.name: s.port for s in self.services}
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
        extra = {f"{s.name} metrics": s.port + METRICS_PORT_SHIFT for s in self.services}
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
            current = await schema_versions.at_newest(self.stores.database_url, names)
            failed = {} if current else await components.migrate(names, self.lay, env)
            if failed:
                logs = [self.lay.log(components.MIGRATIONS)]
                raise StartupError("migrations failed", failed, logs)

            if any(s.name == "model" for s in self.services):
                status.update("preparing the model")
                try:
                    model = await model_file.prepare(self.cfg, status.update)
                except model_file.ModelFileError as exc:
                    raise StartupError(f"model: {exc}", {"model": str(exc)}, []) from exc
                self.console.print(f"  [green]✓[/green] model file {model}")

            status.update("starting services")
            for spec in self.services:
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
        """Waits on every service's health stream and Envoy's /ready at once; each is
        reported the moment it is up, and the last one ends the wait."""
        waits: dict[str, Coroutine[Any, Any, str]] = {
            s.name: health.grpc_serving(s.port) for s in self.services
        }
        waits["envoy"] = health.envoy_serving(envoy_admin_port())
        tasks = {asyncio.create_task(wait, name=f"healthy {n}"): n for n, wait in waits.items()}
        pending = set(tasks)
        began = time.monotonic()
        try:
            while pending:
                left = self.timeout - (time.monotonic() - began)
                if left <= 0:
                    await self.not_healthy([tasks[t] for t in pending])
                # Wake at least once a second to keep the elapsed time shown current.
                done, pending = await asyncio.wait(
                    pending, timeout=min(left, 1.0), return_when=asyncio.FIRST_COMPLETED
                )
                for task in done:
                    self.console.print(f"  [green]✓[/green] {tasks[task]} {task.result()}")
                waiting = ", ".join(sorted(tasks[t] for t in pending))
                elapsed = time.monotonic() - began
                status.update(f"waiting for {waiting} to be healthy ({elapsed:.0f}s)")
        finally:
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def not_healthy(self, names: list[str]) -> None:
        """Raises StartupError with what each of `names` answers now."""
        probes: dict[str, Callable[[], Awaitable[str]]] = {
            s.name: functools.partial(health.grpc_health, s.port) for s in self.services
        }
        probes["envoy"] = functools.partial(health.envoy_ready, envoy_admin_port())
        results = await asyncio.gather(*(probes[n]() for n in names))
        failures = dict(zip(names, results, strict=True))
        logs = [self.lay.log(n) for n in names]
        raise StartupError(f"not healthy after {self.timeout:g}s", failures, logs)

    async def shutdown(self) -> None:
        self.state.status = statefile.STOPPING
        self.save()
        with self.console.status("stopping"):
            if self.postgres_watch is not None:
                self.postgres_watch.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self.postgres_watch
            services = [s.name for s in self.services]
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
