"""A clock a test moves by hand (services/runtime/clock.py): time passes only when the test
says so, so a test of an expiry or a renewal checks it at once instead of sleeping."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.runtime import clock


class FakeClock(clock.Clock):
    """Starts at the real time; `advance` moves both readings on together."""

    def __init__(self) -> None:
        real = clock.Clock()
        self._now, self._monotonic = real.now(), real.monotonic()

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._monotonic

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._monotonic += seconds
