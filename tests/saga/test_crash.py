"""kill -9 of an orchestrator process in the middle of a step's call, and in the middle of
a compensation: a second process resumes the saga from its log once the lease expires,
and no step takes effect twice (the participants count effects per request_id)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import grpc
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.saga import model as m
from services.saga.store import SagaStore
from tests.saga.conftest import subprocess_env
from tests.saga.participants import World
from tests.saga.test_engine import unclaimed_saga

# Bounds real elapsed time, deadlines or leases: `make test` runs it before the meshes boot.
pytestmark = pytest.mark.realtime


@contextmanager
def orchestrator(env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.saga.orchestrator_process"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()


async def wait_finished(engine: AsyncEngine, saga_id: str, wait: float = 30) -> m.Saga:
    store = SagaStore(engine)
    for _ in range(int(wait / 0.1)):
        saga = await store.get(saga_id)
        assert saga is not None
        if saga.finished:
            return saga
        await asyncio.sleep(0.1)
    raise AssertionError(f"saga did not finish: {saga}")


def mine(w: World, saga_id: str) -> dict[str, int]:
    """The live resources a saga's steps made, by their request_id (saga id + step)."""
    stores = {"workspaces": w.workspaces, "bases": w.bases, "notes": w.notes}
    live = {name: sum(saga_id in key for key in store) for name, store in stores.items()}
    # A link is keyed by its workspace, which the saga's request made.
    live["links"] = sum(saga_id in w.made.get(ws, "") for ws in w.links.values())
    return live


async def kill_while_held(env: dict[str, str], w: World, method: str) -> None:
    w.held.clear()
    w.hold[method] = 60.0
    with orchestrator(env) as first:
        await asyncio.wait_for(w.held.wait(), 20)
        first.kill()  # SIGKILL: no cleanup, the lease simply stops being renewed


async def test_kill_after_the_call_before_the_log_write(
    saga_schema: str,
    database_url: str,
    redis_url: str,
    engine: AsyncEngine,
    world: tuple[World, dict[str, str]],
) -> None:
    w, participants = world
    env = subprocess_env(database_url, redis_url, participants)
    saga_id = await unclaimed_saga(SagaStore(engine))
    await kill_while_held(env, w, "CreateBase")  # CreateBase applied; its reply never logged
    logged = await SagaStore(engine).get(saga_id)
    assert logged is not None and logged.step("create_sample_base").state == m.STEP_RUNNING
    with orchestrator(env):
        saga = await wait_finished(engine, saga_id)
    assert saga.state == m.COMPLETED, saga
    assert saga.step("create_sample_base").attempts == 2
    # One resource per step of this saga (other tests' sagas may share the participants).
    assert mine(w, saga_id) == {"workspaces": 1, "links": 1, "bases": 1, "notes": 1}


async def test_kill_in_the_middle_of_compensation(
    saga_schema: str,
    database_url: str,
    redis_url: str,
    engine: AsyncEngine,
    world: tuple[World, dict[str, str]],
) -> None:
    w, participants = world
    env = subprocess_env(database_url, redis_url, participants)
    w.fail_always["Send"] = grpc.StatusCode.PERMISSION_DENIED
    saga_id = await unclaimed_saga(SagaStore(engine))
    await kill_while_held(env, w, "UnlinkBase")  # the unlink happened; its log write did not
    with orchestrator(env):
        saga = await wait_finished(engine, saga_id)
    assert saga.state == m.COMPENSATED, saga
    assert [c for c in w.order if c.startswith(("Delete", "Unlink"))] == [
        "UnlinkBase",
        "UnlinkBase",
        "DeleteBase",
        "DeleteWorkspace",
    ]
    assert mine(w, saga_id) == {"workspaces": 0, "links": 0, "bases": 0, "notes": 0}
