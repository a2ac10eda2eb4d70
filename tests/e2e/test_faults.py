"""Faults: a killed worker is restarted by the launcher while Envoy's retries and health
checks keep idempotent reads answering; a SIGTERMed worker drains without failing calls."""

from __future__ import annotations

import os
import signal
import threading
import time

import httpx

from tests.e2e.mesh import Mesh, bearer

# Reads that must complete after the fault, however slowly a busy machine answers them.
AFTER_FAULT = 40


def read_under_fault(mesh: Mesh, fault: signal.Signals) -> tuple[list[int], int]:
    """Reads a user continuously while one users worker gets `fault`, until the worker was
    replaced and AFTER_FAULT reads have ended since the fault; returns every status and
    how many reads ended after the fault."""
    account = mesh.register()
    path = f"/api/v1/users/{account['principal']['user_id']}"
    headers = bearer(account["access_token"])
    statuses: list[int] = []
    stop = threading.Event()

    def reader() -> None:
        with httpx.Client(base_url=mesh.base_url, timeout=10) as client:
            while not stop.is_set():
                statuses.append(client.get(path, headers=headers).status_code)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    began = time.monotonic()
    while len(statuses) < 8 and time.monotonic() - began < 60:  # reading before the fault
        time.sleep(0.05)
    victim = mesh.pids("users")[0]
    os.kill(victim, fault)
    at_fault = len(statuses)
    mesh.wait_replaced("users", [victim], wait=10)
    deadline = time.monotonic() + 60
    while len(statuses) - at_fault < AFTER_FAULT and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join()
    return statuses, len(statuses) - at_fault


def test_kill_9_is_restarted_and_reads_keep_answering(mesh: Mesh) -> None:
    statuses, after = read_under_fault(mesh, signal.SIGKILL)
    assert after >= AFTER_FAULT, f"only {after} reads ended in the minute after the kill"
    failures = [s for s in statuses if s != 200]
    assert not failures, f"{len(failures)} of {len(statuses)} reads failed: {set(failures)}"
    log = (mesh.var_dir / "logs" / "launcher.log").read_text()
    assert "exited with code -9; restarting" in log
    assert mesh.http.get("/api/v1/health").json()["status"] == "healthy"


def test_sigterm_drains_and_no_read_fails(mesh: Mesh) -> None:
    statuses, after = read_under_fault(mesh, signal.SIGTERM)
    assert after >= AFTER_FAULT, f"only {after} reads ended in the minute after the SIGTERM"
    failures = [s for s in statuses if s != 200]
    assert not failures, f"{len(failures)} of {len(statuses)} reads failed: {set(failures)}"
