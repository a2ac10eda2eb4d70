"""Runs a group of OS processes, restarts the ones that die, and stops them in order.

Knows nothing about gRPC or tablemesh: a process is a command line, a log file and a
number of instances, so the restart logic is tested with tiny `python -c` children.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from services.launcher.backoff import Backoff
from services.launcher.orphan_guard import wrap


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: tuple[str, ...]
    log_path: Path
    env: Mapping[str, str] | None = None
    # Identical copies to run (service workers sharing a port with SO_REUSEPORT).
    instances: int = 1


def note(log_path: Path, message: str) -> None:
    """Append a launcher line to a process's log, so its restarts show up beside its output."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    with log_path.open("a") as log:
        log.write(f"{stamp} [launcher] {message}\n")


class Worker:
    """One instance of a ProcessSpec: started, watched, restarted with back-off."""

    def __init__(
        self,
        spec: ProcessSpec,
        index: int,
        backoff: Backoff,
        notify: Callable[[str], None],
        on_change: Callable[[], None],
    ) -> None:
        self.spec = spec
        self.index = index
        self.label = spec.name if spec.instances == 1 else f"{spec.name}[{index}]"
        self.backoff = backoff
        self.notify = notify
        self.on_change = on_change
        self.proc: asyncio.subprocess.Process | None = None
        self.restarts = 0
        self.stopping = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        if self.proc is None or self.proc.returncode is not None:
            return None
        return self.proc.pid

    async def spawn(self) -> None:
        self.spec.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.spec.log_path.open("ab") as log:
            # Own session: a terminal's Ctrl-C goes to the launcher only, which stops us
            # in order (services drain before Envoy goes away).
            self.proc = await asyncio.create_subprocess_exec(
                *wrap(list(self.spec.argv)),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                env={**(self.spec.env or os.environ), "TABLEMESH_WORKER_INDEX": str(self.index)},
                start_new_session=True,
            )
        self.on_change()

    async def watch(self) -> None:
        """Wait for the process to exit and start it again, until stop() is called."""
        while True:
            started = time.monotonic()
            code = await self.proc.wait() if self.proc else -1
            if self.stopping.is_set():
                return
            delay = self.backoff.delay_after(time.monotonic() - started)
            message = f"{self.label} exited with code {code}; restarting in {delay:g}s"
            self.notify(message)
            note(self.spec.log_path, message)
            self.on_change()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), delay)
                return  # stop() came during the back-off
            try:
                await self.spawn()
            except OSError as exc:
                self.notify(f"{self.label} could not start: {exc}")
                self.proc = None
            self.restarts += 1
            if self.stopping.is_set():  # stop() ran while we were spawning
                self.signal(signal.SIGTERM)

    def signal(self, signum: int) -> None:
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)


class Supervisor:
    def __init__(
        self,
        notify: Callable[[str], None] = print,
        backoff: Callable[[], Backoff] = Backoff,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.notify = notify
        self.new_backoff = backoff
        self.on_change = on_change
        self.workers: dict[str, list[Worker]] = {}

    async def start(self, spec: ProcessSpec) -> None:
        """Start every instance now (pids are known on return) and keep them running."""
        workers = [
            Worker(spec, i, self.new_backoff(), self.notify, self.on_change)
            for i in range(spec.instances)
        ]
        self.workers[spec.name] = workers
        for worker in workers:
            await worker.spawn()
            worker.task = asyncio.create_task(worker.watch(), name=f"watch {worker.label}")

    def pids(self) -> dict[str, list[int]]:
        return {name: [w.pid for w in ws if w.pid is not None] for name, ws in self.workers.items()}

    def restarts(self, name: str) -> int:
        return sum(w.restarts for w in self.workers.get(name, []))

    async def stop(self, names: Iterable[str] | None = None, grace: float = 10.0) -> None:
        """SIGTERM the named groups (all by default), SIGKILL what outlives the grace period."""
        groups = list(self.workers) if names is None else names
        chosen = [w for n in groups for w in self.workers.pop(n, [])]
        for worker in chosen:
            worker.stopping.set()
            worker.signal(signal.SIGTERM)
        # A watch task ends once its process has exited, so waiting on tasks waits on both.
        tasks = [w.task for w in chosen if w.task is not None]
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=grace)
            if pending:
                for worker in chosen:
                    if worker.pid is not None:
                        self.notify(f"{worker.label} did not stop within {grace:g}s; killing it")
                        worker.signal(signal.SIGKILL)
                await asyncio.wait(pending)
        self.on_change()
