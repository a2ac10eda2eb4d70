"""`tablemesh up --detach` and `tablemesh down`: a launcher running in the background.

The background launcher is the same `up` code run in a new session with its output in
var/logs/launcher.log; it reports progress through var/run/state.json, which is what
the starting command watches and what `down` uses to find it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time

from rich.console import Console

from services.launcher import report
from services.launcher import state as statefile
from services.launcher.datastores import stop_postgres
from services.launcher.layout import Layout
from services.launcher.logs import show_tail
from services.runtime.config import settings

# On top of the health timeout: data stores, migrations and interpreter start-up.
STARTUP_SLACK = 60.0


def kill(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def wait_exit(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while statefile.alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def start_detached(lay: Layout, console: Console, timeout: float) -> int:
    """Start a background launcher; return 0 once all is healthy, 1 with logs if not."""
    argv = [sys.executable, "-m", "services.launcher.cli", "up", "--foreground-supervisor"]
    argv += ["--timeout", str(timeout)]
    with lay.log("launcher").open("ab") as out:
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + timeout + STARTUP_SLACK
    with console.status(f"starting in the background (launcher pid {proc.pid})"):
        while proc.poll() is None:
            current = statefile.read(lay.state_file)
            mine = current if current and current.supervisor_pid == proc.pid else None
            if mine and mine.status == statefile.READY:
                console.print(report.table(asyncio.run(report.collect(mine)), mine))
                console.print(f"logs in {lay.logs}; stop with `tablemesh down`")
                return 0
            if mine and mine.status == statefile.FAILED:
                break
            if time.monotonic() > deadline:
                proc.terminate()
                break
            time.sleep(0.1)
        # A failed launcher stops what it started before exiting; wait for that.
        wait_exit(proc.pid, settings().shutdown_grace + STARTUP_SLACK)
    report_failure(lay, console, proc.poll())
    return 1


def report_failure(lay: Layout, console: Console, code: int | None) -> None:
    current = statefile.read(lay.state_file)
    failures = current.failures if current is not None else {}
    failures = failures or {"launcher": f"exited with code {code}"}
    console.print("[red]tablemesh did not come up:[/red]")
    for name, why in failures.items():
        console.print(f"  {name}: {why}", markup=False)
    logs = [lay.log(name) for name in failures if lay.log(name).exists()]
    # Without a failing service's log, the launcher's own log says what went wrong.
    for path in logs or [lay.log("launcher")]:
        show_tail(console, path)


def down(lay: Layout, console: Console) -> int:
    """Stop the launcher (which stops everything in order) and wait for it to finish."""
    current = statefile.read(lay.state_file)
    if current is None or current.status == statefile.STOPPED:
        console.print("tablemesh is not running")
        return 0
    pid = current.supervisor_pid
    if statefile.alive(pid):
        kill(pid, signal.SIGTERM)
        with console.status(f"stopping (launcher pid {pid})"):
            if not wait_exit(pid, settings().shutdown_grace + 90):
                console.print(f"[red]launcher {pid} did not stop; killing it[/red]")
                kill(pid, signal.SIGKILL)
                wait_exit(pid, 10)
    final = statefile.read(lay.state_file)
    if final is None or final.status != statefile.STOPPED:
        # The launcher was killed: clean up after it from what it last recorded.
        stop_leftovers(lay, console, final or current)
    console.print("stopped")
    return 0


def stop_leftovers(lay: Layout, console: Console, last: statefile.State) -> None:
    leftovers = [p for pids in last.processes.values() for p in pids if statefile.alive(p)]
    for pid in leftovers:
        console.print(f"[yellow]stopping leftover process {pid}[/yellow]")
        kill(pid, signal.SIGTERM)
    for pid in leftovers:
        if not wait_exit(pid, settings().shutdown_grace + 5):
            kill(pid, signal.SIGKILL)
    if last.pg_data:
        stop_postgres(lay.pg_data)
    last.status, last.processes = statefile.STOPPED, {}
    statefile.write(lay.state_file, last)
