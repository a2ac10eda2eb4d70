"""Telling the delivery workers that messages are due, one worker per message.

An asyncio.Event would wake every waiting worker for each new message, and all but one
would then claim in vain (one transaction each): with 8 workers, 8 claims per message.
Here each hint wakes one waiting worker; a worker that found a message keeps claiming
until none is due, so a burst still spreads over every worker. Hints beyond the number of
workers are dropped: they could only wake workers that are already busy. The workers'
poll stays underneath (messages due after a back-off, hints of another process).
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

    async def wait(self, seconds: float) -> None:
        """Returns at a hint, or after `seconds` without one."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._hints.get(), seconds)
