"""Telling the delivery workers that messages are due, one worker per message.

An asyncio.Event would wake every waiting worker for each new message, and all but one
would then claim in vain (one transaction each): with 8 workers, 8 claims per message.
Here each hint wakes one waiting worker; a worker that found a message keeps claiming
until none is due, and wakes one more as it starts, so a burst still spreads over every
worker. Hints beyond the number of workers are dropped: they could only wake workers that
are already busy. Underneath, one poll per process (not one per worker: 8 workers polling
made 8 claims, 8 transactions, a poll interval on an idle service) hints a worker at every
interval, for messages due after a back-off and messages another process made.
"""

from __future__ import annotations

import asyncio
import contextlib


class Wakeups:
    def __init__(self, workers: int) -> None:
        self._hints: asyncio.Queue[None] = asyncio.Queue(maxsize=max(1, workers))

    def set(self, count: int = 1) -> None:
        """`count` messages (or more, unknown: 1) may be due now."""
        for _ in range(max(1, count)):
            try:
                self._hints.put_nowait(None)
            except asyncio.QueueFull:
                return

    async def wait(self, seconds: float | None = None) -> None:
        """Returns at a hint, or after `seconds` (if given) without one."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._hints.get(), seconds)

    async def poll_forever(self, interval: float) -> None:
        """Hints one worker every `interval` seconds, until cancelled."""
        while True:
            await asyncio.sleep(interval)
            self.set()
