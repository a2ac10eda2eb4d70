"""The mesh on two hosts (B and C) over one PostgreSQL and Redis (on A), through B's Envoy.

Both hosts' replicas answer; C's link is cut: reads through B keep answering once Envoy
has taken C out (health checks, outlier detection), and the failures in between are
counted and reported; C's link comes back: C rejoins without B restarting.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import grpc
import httpx
import psycopg
import pytest
from tablemesh.workspaces.v1 import workspaces_service_pb2 as ws_pb
from tablemesh.workspaces.v1 import workspaces_service_pb2_grpc as ws_grpc

from services.runtime import registry
from tests.e2e.mesh import bearer
from tests.e2e.test_workflows import create, finished_executions, records
from tests.hosts.cluster import Cluster, HostMesh, cluster

pytestmark = pytest.mark.hosts

# Envoy's admin answers on loopback inside B: read there, by a Python in B's namespace.
ADMIN_GET = (
    "import sys,urllib.request;"
    "print(urllib.request.urlopen('http://127.0.0.1:'+sys.argv[1]+sys.argv[2],timeout=5).read().decode())"
)


@pytest.fixture(scope="module")
def two_hosts() -> Iterator[Cluster]:
    with cluster() as made:
        made.up("B", peers=["C"])
        made.up("C", peers=["B"])
        yield made


def admin(mesh: HostMesh, path: str) -> str:
    assert mesh.host is not None
    port = str(registry.ENVOY_ADMIN_PORT + mesh.offset)
    done = mesh.host.run(sys.executable, "-c", ADMIN_GET, port, path, timeout=20)
    assert done.returncode == 0, done.stderr
    return done.stdout


def endpoints(mesh: HostMesh, service: str) -> dict[str, dict[str, Any]]:
    """Envoy's view of a cluster's endpoints: {address: {"healthy": .., "rq_total": ..}}."""
    clusters = json.loads(admin(mesh, "/clusters?format=json"))
    for status in clusters["cluster_statuses"]:
        if status["name"] != service:
            continue
        found = {}
        for host in status.get("host_statuses", []):
            address = host["address"]["socket_address"]["address"]
            stats = {s["name"]: int(s.get("value", 0)) for s in host.get("stats", [])}
            flags = host.get("health_status", {})
            healthy = flags.get("eds_health_status") == "HEALTHY" and not any(
                v for k, v in flags.items() if k.startswith("failed_") or k == "pending_active_hc"
            )
            found[address] = {"healthy": healthy, "flags": flags, **stats}
        return found
    raise AssertionError(f"no cluster {service} in B's Envoy")


def wait_for(check: Callable[[], bool], within: float, what: str, every: float = 0.25) -> float:
    """Seconds until `check()` is true."""
    began = time.monotonic()
    while not check():
        if time.monotonic() - began > within:
            raise AssertionError(f"{what}: not within {within:g}s")
        time.sleep(every)
    return time.monotonic() - began


def test_both_hosts_serve_through_b(two_hosts: Cluster) -> None:
    b, c = two_hosts.meshes["B"], two_hosts.meshes["C"]
    assert c.host is not None

    # Every service's cluster in B's Envoy: B's own replica and C's, both healthy.
    def both_healthy(service: str) -> bool:
        found = endpoints(b, service)
        return len(found) == 2 and all(e["healthy"] for e in found.values())

    for spec in b.services:
        wait_for(partial(both_healthy, spec.name), 30, f"{spec.name} on both", every=1)
    person = b.register()
    token = person["access_token"]
    before = endpoints(b, "users")
    for _ in range(20):
        me = b.http.get("/api/v1/users/me", headers=bearer(token))
        assert me.status_code == 200, me.text
        assert me.json()["user"]["email"] == person["email"]
    after = endpoints(b, "users")
    served = {a: int(after[a]["rq_total"]) - int(before[a]["rq_total"]) for a in after}
    assert served[c.host.address] > 0 and served["127.0.0.1"] > 0, served
    # And C's gateway knows the same person (one database, one secret).
    assert c.http.get("/api/v1/users/me", headers=bearer(token)).status_code == 200


def test_one_write_sent_to_both_hosts_at_once_is_done_once(two_hosts: Cluster) -> None:
    """A client's retry racing its first try on the other host (the same request id, one
    to each host's workspaces replica at once, past Envoy): one workspace each time."""
    b, c = two_hosts.meshes["B"], two_hosts.meshes["C"]
    assert b.host is not None and c.host is not None
    token = b.register()["access_token"]
    metadata = (("authorization", f"Bearer {token}"),)
    port = b.port("workspaces")
    channels = [grpc.insecure_channel(f"{h.address}:{port}") for h in (b.host, c.host)]
    stubs = [ws_grpc.WorkspacesServiceStub(channel) for channel in channels]
    keys = [f"hosts-{uuid.uuid4().hex}" for _ in range(8)]
    try:
        for key in keys:
            request = ws_pb.CreateWorkspaceRequest(
                workspace=ws_pb.Workspace(name=f"Team {key[-6:]}"), request_id=key
            )
            with ThreadPoolExecutor(2) as pool:
                calls = [
                    pool.submit(stub.CreateWorkspace, request, metadata=metadata, timeout=20)
                    for stub in stubs
                ]
                replies = [call.result() for call in calls]
            assert replies[0].workspace.id == replies[1].workspace.id, key
    finally:
        for channel in channels:
            channel.close()
    listed = b.http.get("/api/v1/workspaces", headers=bearer(token), params={"page_size": 100})
    assert listed.status_code == 200, listed.text
    # Registering made the person's own workspace; besides it, one per key.
    names = [w["name"] for w in listed.json()["workspaces"] if w["name"].startswith("Team ")]
    assert sorted(names) == sorted(f"Team {key[-6:]}" for key in keys), names


def test_a_service_calls_a_peer_while_its_own_host_s_replica_is_down(two_hosts: Cluster) -> None:
    """B's permissions replica killed, with B's launcher paused so that nothing restarts
    it: B's workspaces replica, called directly, still makes a workspace (its owner grant
    is a call to permissions) and lists it (a call to permissions too), through C's
    permissions replica."""
    b = two_hosts.meshes["B"]
    assert b.host is not None
    token = b.register()["access_token"]
    metadata = (("authorization", f"Bearer {token}"),)
    supervisor, victims = b.supervisor_pid(), b.pids("permissions")
    os.kill(supervisor, signal.SIGSTOP)
    try:
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        with grpc.insecure_channel(f"{b.host.address}:{b.port('workspaces')}") as channel:
            stub = ws_grpc.WorkspacesServiceStub(channel)
            request = ws_pb.CreateWorkspaceRequest(
                workspace=ws_pb.Workspace(name="Made while away"), request_id=uuid.uuid4().hex
            )
            made = stub.CreateWorkspace(request, metadata=metadata, timeout=20).workspace
            listed = stub.ListWorkspaces(
                ws_pb.ListWorkspacesRequest(page_size=100), metadata=metadata, timeout=20
            )
        assert made.id in [w.id for w in listed.workspaces]
    finally:
        os.kill(supervisor, signal.SIGCONT)
    b.wait_replaced("permissions", victims, instances=1)


READERS = 4


@dataclass
class Reads:
    """A steady stream of idempotent reads through B's gateway, in a thread."""

    base_url: str
    token: str
    every: float = 0.05
    # (started, HTTP status or 0 for no answer, seconds): list.append is thread-safe.
    results: list[tuple[float, int, float]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=20) as http:
            while not self.stop.is_set():
                began = time.monotonic()
                try:
                    code = http.get("/api/v1/users/me", headers=bearer(self.token)).status_code
                except httpx.HTTPError:
                    code = 0
                self.results.append((began, code, time.monotonic() - began))
                self.stop.wait(self.every)

    def failures(self, since: float, until: float) -> list[tuple[float, int, float]]:
        return [r for r in self.results if since <= r[0] < until and r[1] != 200]


def test_cut_link_then_rejoin(two_hosts: Cluster) -> None:
    b, c = two_hosts.meshes["B"], two_hosts.meshes["C"]
    assert c.host is not None
    address = c.host.address
    token = b.register()["access_token"]
    reads = Reads(b.base_url, token)
    # A few readers at once (each waits for its answer): one stuck read does not hide the rest.
    threads = [threading.Thread(target=reads.run, daemon=True) for _ in range(READERS)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(3)
        cut = time.monotonic()
        c.host.link(up=False)
        detected = wait_for(
            lambda: not endpoints(b, "users")[address]["healthy"],
            60,
            "B's Envoy takes C's users replica out",
        )
        # Reads after Envoy took C out all answer.
        settle = time.monotonic()
        time.sleep(10)
        after_detect = reads.failures(settle, time.monotonic())
        during = reads.failures(cut, settle)
        flags = endpoints(b, "users")[address]["flags"]
        back = time.monotonic()
        c.host.link(up=True)
        rejoined = wait_for(
            lambda: endpoints(b, "users")[address]["healthy"],
            90,
            "C's users replica back in B's Envoy",
        )
        before = endpoints(b, "users")[address]["rq_total"]
        time.sleep(3)
        again = endpoints(b, "users")[address]["rq_total"]
    finally:
        reads.stop.set()
        for thread in threads:
            thread.join(30)
    total_cut = [r for r in reads.results if cut <= r[0] < back]
    report = {
        "readers": READERS,
        "detected_after_s": round(detected, 2),
        "reads_while_cut": len(total_cut),
        "slow_reads_while_cut": len([r for r in total_cut if r[2] > 1]),
        "failed_before_detection": len(during),
        "failure_codes": sorted({r[1] for r in during}),
        "slowest_read_while_cut_s": round(max((r[2] for r in total_cut), default=0), 2),
        "failed_after_detection": len(after_detect),
        "c_flags_while_cut": flags,
        "rejoined_after_s": round(rejoined, 2),
        "reads_reaching_c_after_rejoin": int(again) - int(before),
    }
    print("\nHOSTS REPORT " + json.dumps(report))
    assert after_detect == [], report
    assert int(again) > int(before), report


STEPS = 8


def run_state(database_url: str, workflow_id: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT id, status, lease_owner, steps FROM automation.executions"
            " WHERE workflow_id = %s",
            (workflow_id,),
        ).fetchall()


# Found here: when the cut comes in the middle of a step's transaction, the cut host's
# PostgreSQL session stays "idle in transaction" holding its row locks (the server cannot
# tell the client is gone: no reset comes, and TCP keepalives take hours), so the other
# host's retries of that step waited on the lock ("while locking tuple ... in relation
# tables" in PostgreSQL's log), were cancelled at their deadline, and the run failed (1 run
# in 3). The meshes' sessions now carry idle_in_transaction_session_timeout (cluster.py).
def test_a_run_held_by_a_cut_host_finishes_on_the_other(two_hosts: Cluster) -> None:
    """A workflow run (eight record writes) on one host's automation when that host's link
    is cut: the other host's takes it over once its lease ends and finishes it, and after
    the cut host is back no step's write was made twice. Whichever host fires the tick is
    cut; the other's gateway is used."""
    meshes = two_hosts.meshes
    b = meshes["B"]
    account = b.register()
    headers = bearer(account["access_token"])
    made = b.http.post(
        "/api/v1/bases",
        headers=headers,
        json={
            "name": "Ticks",
            "tables": [{"name": "Log", "fields": [{"name": "Name", "type": "singleLineText"}]}],
        },
    )
    assert made.status_code == 200, made.text
    base, table = made.json()["base"]["id"], made.json()["tables"][0]["id"]
    write = {"base_id": base, "table_id": table}
    steps = [
        {
            "name": f"write {i}",
            "type": "create_records",
            "config": {**write, "records": [{"Name": f"step {i} of {{{{execution.id}}}}"}]},
        }
        for i in range(STEPS)
    ]
    body = {
        "name": "New year",
        "enabled": True,
        "trigger": {"schedule": {"cron": "0 0 1 1 *"}},
        "steps": steps,
    }
    wf = create(b, headers, body).json()["workflow"]
    with psycopg.connect(two_hosts.database_url) as conn:
        conn.execute(
            "UPDATE automation.workflows SET next_fire_at = now() - interval '1 second'"
            " WHERE id = %s",
            (wf["id"],),
        )
    holder: str | None = None
    deadline = time.monotonic() + 60
    while holder is None and time.monotonic() < deadline:
        for _, status, owner, steps_run in run_state(two_hosts.database_url, wf["id"]):
            started = sum(1 for s in steps_run if s["status"] != "pending")
            if status == "running" and owner and 1 <= started < STEPS:
                # The lease owner's name carries its pid: automation-<host>-<pid>-<n>.
                pid = int(owner.split("-")[-2])
                holder = next(label for label, m in meshes.items() if pid in m.pids("automation"))
        time.sleep(0.02)
    assert holder is not None, (
        f"never running mid-way: {run_state(two_hosts.database_url, wf['id'])}"
    )
    cut = meshes[holder].host
    other = meshes["C" if holder == "B" else "B"]
    assert cut is not None
    began = time.monotonic()
    cut.link(up=False)
    try:
        [run] = finished_executions(other, headers, wf["id"], 1)
        took = time.monotonic() - began
    finally:
        cut.link(up=True)
    assert run["status"] == "EXECUTION_STATUS_SUCCEEDED", json.dumps(run, indent=1)
    # The cut host is back and may resume what it was doing: give it the time to.
    time.sleep(10)
    names = sorted(
        r["fields"]["Name"] for r in records(other, {"base": base, "headers": headers}, table)
    )
    print(f"\nHOSTS LEASE REPORT holder={holder} finished_on_other_after_s={took:.1f}")
    assert names == sorted(f"step {i} of {run['id']}" for i in range(STEPS))
    assert len(run_state(two_hosts.database_url, wf["id"])) == 1
