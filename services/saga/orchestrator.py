"""Runs sagas in this process: claims, leases, and resuming what others left behind.

Each process has its own owner id. A saga runs only under a live lease (owner +
lease_until in the log), renewed while it runs; a process that dies stops renewing, and
once the lease has expired any process's claim loop (`SELECT ... FOR UPDATE SKIP LOCKED`)
takes the saga over and resumes it from its log. So N processes never run one step at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid

from services.runtime import logs
from services.runtime.background import keep_renewed, poll_forever
from services.saga.engine import Engine
from services.saga.store import LeaseLost, SagaStore

log = logs.get("saga.orchestrator")


def new_owner() -> str:
    return f"{os.getpid()}-{uuid.uuid4().hex[:8]}"


class Orchestrator:
    def __init__(
        self,
        engine: Engine,
        store: SagaStore,
        lease: float,
        poll_interval: float,
        max_running: int = 50,
    ) -> None:
        self.engine = engine
        self.store = store
        self.lease = lease
        self.poll_interval = poll_interval
        self.max_running = max_running
        self.running: dict[str, asyncio.Task[None]] = {}
        self._loop_task: asyncio.Task[None] | None = None

    @property
    def owner(self) -> str:
        return self.engine.owner

    def start(self) -> None:
        claims = poll_forever(self._claim_once, self.poll_interval, "claiming sagas")
        self._loop_task = asyncio.create_task(claims)

    def submit(self, saga_id: str) -> None:
        """Runs a saga this process already holds the lease of (a saga it just started)."""
        if saga_id not in self.running:
            self.running[saga_id] = asyncio.create_task(self._run(saga_id))

    async def _claim_once(self) -> bool:
        """Takes over sagas whose lease expired, as many as there is room for."""
        room = self.max_running - len(self.running)
        if room > 0:
            for saga_id in await self.store.claim_expired(self.owner, self.lease, room):
                log.info("resuming saga", saga_id=saga_id)
                self.submit(saga_id)
        return False

    async def _renew(self, saga_id: str, runner: asyncio.Task[None]) -> None:
        """Keeps the saga's lease; once it is lost, stops the saga's run."""

        async def renew() -> bool:
            return await self.store.renew(saga_id, self.owner, self.lease)

        await keep_renewed(renew, self.lease / 3, f"the lease of saga {saga_id}")
        runner.cancel()

    async def _run(self, saga_id: str) -> None:
        runner = asyncio.current_task()
        assert runner is not None
        renewer = asyncio.create_task(self._renew(saga_id, runner))
        try:
            await self.engine.drive(saga_id)
        except LeaseLost:
            log.warning("lease lost; another process resumes the saga", saga_id=saga_id)
        except Exception:  # noqa: BLE001 - the lease expires and the saga is resumed
            log.exception("saga run failed; it resumes when its lease expires", saga_id=saga_id)
        finally:
            renewer.cancel()
            self.running.pop(saga_id, None)

    async def stop(self) -> None:
        """Stops running sagas and hands their leases back so others resume them now."""
        if self._loop_task is not None:
            self._loop_task.cancel()
        tasks = dict(self.running)
        for task in tasks.values():
            task.cancel()
        for saga_id, task in tasks.items():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            with contextlib.suppress(Exception):
                await self.store.release(saga_id, self.owner)
