"""The supervisor against real tiny child processes (no subprocess mocks)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from services.launcher.backoff import Backoff
from services.launcher.state import alive
from services.launcher.supervisor import ProcessSpec, Supervisor

from .helpers import eventually

# Bounds real elapsed time, deadlines or leases: `make test` runs it before the meshes boot.
pytestmark = pytest.mark.realtime

SLEEPER = (sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)")
# Drains on SIGTERM like a service: writes a marker, exits 0.
DRAINER = textwrap.dedent("""
    import pathlib, signal, sys, time
    def drain(*_):
        pathlib.Path(sys.argv[1]).write_text("drained")
        sys.exit(0)
    signal.signal(signal.SIGTERM, drain)
    print("ready", flush=True)
    time.sleep(60)
""")
STUBBORN = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(60)"  # noqa: E501


def fast(events: list[str]) -> Supervisor:
    return Supervisor(notify=events.append, backoff=lambda: Backoff(initial=0.05, maximum=0.2))


async def test_a_crashing_process_is_restarted_with_growing_delays(tmp_path: Path) -> None:
    events: list[str] = []
    sup = fast(events)
    log = tmp_path / "crasher.log"
    await sup.start(ProcessSpec("crasher", (sys.executable, "-c", "raise SystemExit(3)"), log))
    await eventually(lambda: len(events) >= 4)
    await sup.stop(grace=5)
    delays = ["0.05", "0.1", "0.2", "0.2"]
    assert events[:4] == [f"crasher exited with code 3; restarting in {d}s" for d in delays]
    assert "[launcher] crasher exited with code 3; restarting in 0.05s" in log.read_text()
    assert sup.pids() == {}


async def test_a_killed_process_is_replaced(tmp_path: Path) -> None:
    events: list[str] = []
    sup = fast(events)
    await sup.start(ProcessSpec("auth", SLEEPER, tmp_path / "auth.log"))
    [first] = sup.pids()["auth"]
    os.kill(first, signal.SIGKILL)
    await eventually(lambda: sup.pids()["auth"] not in ([], [first]))
    assert events == ["auth exited with code -9; restarting in 0.05s"]
    assert sup.restarts("auth") == 1
    await sup.stop(grace=5)
    assert not alive(first)


async def test_stop_lets_processes_drain_and_does_not_restart_them(tmp_path: Path) -> None:
    events: list[str] = []
    sup = fast(events)
    log, marker = tmp_path / "users.log", tmp_path / "drained"
    await sup.start(ProcessSpec("users", (sys.executable, "-c", DRAINER, str(marker)), log))
    await eventually(lambda: "ready" in log.read_text())
    [pid] = sup.pids()["users"]
    await sup.stop(grace=5)
    assert marker.read_text() == "drained"
    assert events == []
    assert not alive(pid)


async def test_stragglers_are_killed_after_the_grace_period(tmp_path: Path) -> None:
    events: list[str] = []
    sup = fast(events)
    log = tmp_path / "stubborn.log"
    await sup.start(ProcessSpec("stubborn", (sys.executable, "-c", STUBBORN), log))
    await eventually(lambda: "ready" in log.read_text())
    [pid] = sup.pids()["stubborn"]
    began = time.monotonic()
    await sup.stop(grace=0.5)
    assert time.monotonic() - began < 5
    assert events == ["stubborn did not stop within 0.5s; killing it"]
    assert not alive(pid)


async def test_stop_during_back_off_does_not_wait_for_it(tmp_path: Path) -> None:
    events: list[str] = []
    sup = Supervisor(notify=events.append, backoff=lambda: Backoff(initial=30))
    await sup.start(ProcessSpec("crasher", (sys.executable, "-c", "pass"), tmp_path / "c.log"))
    await eventually(lambda: events)
    began = time.monotonic()
    await sup.stop(grace=5)
    assert time.monotonic() - began < 2
    assert events == ["crasher exited with code 0; restarting in 30s"]


async def test_instances_run_side_by_side(tmp_path: Path) -> None:
    events: list[str] = []
    sup = fast(events)
    changes: list[dict[str, list[int]]] = []
    sup.on_change = lambda: changes.append(sup.pids())
    await sup.start(ProcessSpec("platform", SLEEPER, tmp_path / "p.log", instances=2))
    pids = sup.pids()["platform"]
    assert len(set(pids)) == 2 and all(alive(p) for p in pids)
    assert changes[-1] == {"platform": pids}
    os.kill(pids[1], signal.SIGKILL)
    await eventually(lambda: events)
    assert events[0] == "platform[1] exited with code -9; restarting in 0.05s"
    await sup.stop(grace=5)
    assert changes[-1] == {}


async def test_each_instance_knows_its_index(tmp_path: Path) -> None:
    """Worker 0 of a service is the one that LISTENs for its events (services.runtime.events)."""
    # One write(2) each: both instances share the log, and print() writes its parts apart
    # (unbuffered, with PYTHONUNBUFFERED set, they interleave).
    says = (
        "import os, time; "
        "os.write(1, f\"index {os.environ['TABLEMESH_WORKER_INDEX']}\\n\".encode()); "
    )
    child = (sys.executable, "-c", says + "time.sleep(60)")
    sup = fast([])
    log = tmp_path / "w.log"
    await sup.start(ProcessSpec("webhooks", child, log, instances=2))
    try:
        await eventually(lambda: len(log.read_text().splitlines()) == 2)
        assert sorted(log.read_text().splitlines()) == ["index 0", "index 1"]
    finally:
        await sup.stop(grace=5)


def test_children_die_with_a_killed_supervisor(tmp_path: Path) -> None:
    """The orphan guard: a SIGKILLed launcher must not leave services holding ports."""
    pid_file = tmp_path / "child.pid"
    script = textwrap.dedent(f"""
        import asyncio, pathlib, sys
        from services.launcher.supervisor import ProcessSpec, Supervisor
        async def main():
            sup = Supervisor()
            log = pathlib.Path({str(tmp_path)!r}) / "c.log"
            await sup.start(ProcessSpec("child", {SLEEPER!r}, log))
            pathlib.Path({str(pid_file)!r}).write_text(str(sup.pids()["child"][0]))
            await asyncio.sleep(60)
        asyncio.run(main())
    """)
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 20
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        child = int(pid_file.read_text())
        time.sleep(0.5)  # let the guard exec into the real command
        assert alive(child)
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 10
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child)


def test_busy_ports_are_reported() -> None:
    import socket

    from services.launcher.ports import busy

    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        taken = listener.getsockname()[1]
        with socket.socket() as free_probe:
            free_probe.bind(("127.0.0.1", 0))
            free = free_probe.getsockname()[1]
        assert busy({"users": taken, "auth": free}) == {"users": taken}
