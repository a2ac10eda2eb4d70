"""A message made wakes one delivery worker, not all of them."""

from __future__ import annotations

import asyncio

from services.runtime.wakeups import Wakeups


async def test_one_hint_wakes_one_waiting_worker() -> None:
    wake = Wakeups(workers=3)
    waiting = [asyncio.create_task(wake.wait(30)) for _ in range(3)]
    await asyncio.sleep(0)
    wake.set()
    done, pending = await asyncio.wait(waiting, timeout=5, return_when=asyncio.FIRST_COMPLETED)
    await asyncio.sleep(0.05)  # nothing else wakes meanwhile
    assert len(done) == 1 and sum(t.done() for t in waiting) == 1
    wake.set(10)  # more than there are workers: every worker, the rest dropped
    await asyncio.wait_for(asyncio.gather(*pending), 5)
    assert wake._hints.qsize() == 1  # 3 kept, 2 taken by the waiting workers


async def test_without_a_hint_the_poll_interval_ends_the_wait() -> None:
    await asyncio.wait_for(Wakeups(workers=2).wait(0.05), 5)


async def test_the_process_poll_hints_one_waiting_worker_each_interval() -> None:
    wake = Wakeups(workers=4)
    waiting = [asyncio.create_task(wake.wait()) for _ in range(4)]
    poll = asyncio.create_task(wake.poll_forever(0.05))
    try:
        done, _ = await asyncio.wait(waiting, timeout=5, return_when=asyncio.FIRST_COMPLETED)
        assert len(done) == 1  # one worker looks, not all four
        await asyncio.wait_for(asyncio.gather(*waiting), 5)  # and the next one, later
    finally:
        poll.cancel()
