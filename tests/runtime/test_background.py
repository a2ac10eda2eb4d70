"""Background loops: stopping one is bounded even when its cleanup hangs, and a poll loop
wakes early when its waker says so."""

from __future__ import annotations

import asyncio

import pytest

from services.runtime import background

pytestmark = pytest.mark.realtime


async def test_a_task_stuck_in_its_cleanup_does_not_hold_shutdown() -> None:
    release = asyncio.Event()

    async def stubborn() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            await release.wait()  # a close that never answers

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    await asyncio.wait_for(background.stop(task, within=0.2), 5)
    assert not task.done()  # left behind, named in the log
    release.set()
    await asyncio.wait({task}, timeout=5)
    assert task.cancelled()


async def test_a_waker_ends_the_wait_before_the_interval() -> None:
    passes: list[int] = []
    wake, passed = asyncio.Event(), asyncio.Event()

    class Waker:
        async def wait(self, seconds: float) -> None:
            await asyncio.wait_for(wake.wait(), seconds)
            wake.clear()

    async def work() -> bool:
        passes.append(1)
        passed.set()
        return False

    loop = asyncio.create_task(background.poll_forever(work, 60, "test loop", Waker()))
    try:
        for _ in range(3):
            await asyncio.wait_for(passed.wait(), 5)  # the interval is 60 s
            passed.clear()
            wake.set()
    finally:
        await background.stop(loop)
    assert len(passes) >= 3
