"""A schedule tick on the shared mesh's two automation workers: it starts one run, and when
the worker running it is killed mid-run (kill -9), the other takes the run over once its
lease ends and finishes it, and no step's write is made twice."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import psycopg

from tests.e2e.mesh import Mesh, bearer
from tests.e2e.test_workflows import create, finished_executions, records

STEPS = 8


def run_state(mesh: Mesh, workflow_id: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(mesh.database_url) as conn:
        return conn.execute(
            "SELECT id, status, lease_owner, steps FROM automation.executions"
            " WHERE workflow_id = %s",
            (workflow_id,),
        ).fetchall()


def test_a_tick_runs_once_and_survives_its_worker_killed(mesh: Mesh) -> None:
    account = mesh.register()
    headers = bearer(account["access_token"])
    made = mesh.http.post(
        "/api/v1/bases",
        headers=headers,
        json={
            "name": "Ticks",
            "tables": [{"name": "Log", "fields": [{"name": "Name", "type": "singleLineText"}]}],
        },  # fmt: skip
    )
    assert made.status_code == 200, made.text
    base, table = made.json()["base"]["id"], made.json()["tables"][0]["id"]
    write = {"base_id": base, "table_id": table}
    steps = [
        {"name": f"write {i}", "type": "create_records",
         "config": {**write, "records": [{"Name": f"step {i} of {{{{execution.id}}}}"}]}}
        for i in range(STEPS)
    ]  # fmt: skip
    # Yearly: no tick of its own comes during the test, only the one made due below.
    body = {"name": "New year", "enabled": True,
            "trigger": {"schedule": {"cron": "0 0 1 1 *"}}, "steps": steps}  # fmt: skip
    wf = create(mesh, headers, body).json()["workflow"]
    # The next tick is due now instead of next January (the schedule's own column).
    with psycopg.connect(mesh.database_url) as conn:
        conn.execute(
            "UPDATE automation.workflows SET next_fire_at = now() - interval '1 second'"
            " WHERE id = %s",
            (wf["id"],),
        )
    killed = 0
    deadline = time.monotonic() + 60
    while not killed and time.monotonic() < deadline:
        for _, status, owner, steps_run in run_state(mesh, wf["id"]):
            started = sum(1 for s in steps_run if s["status"] != "pending")
            if status == "running" and owner and 1 <= started < STEPS:
                # The lease owner's name carries its pid: automation-<host>-<pid>-<n>.
                pid = int(owner.split("-")[-2])
                assert pid in mesh.pids("automation")
                os.kill(pid, signal.SIGKILL)
                killed = pid
        time.sleep(0.02)
    assert killed, f"the run never showed running mid-way: {run_state(mesh, wf['id'])}"
    [run] = finished_executions(mesh, headers, wf["id"], 1)
    assert run["status"] == "EXECUTION_STATUS_SUCCEEDED", run
    names = sorted(
        r["fields"]["Name"] for r in records(mesh, {"base": base, "headers": headers}, table)
    )
    assert names == sorted(f"step {i} of {run['id']}" for i in range(STEPS))
    # One run for the tick, fired by one of the two workers: the schedule moved on.
    assert len(run_state(mesh, wf["id"])) == 1
    mesh.wait_replaced("automation", [killed])
