"""The mesh's one clock: the current time (UTC) and a monotonic reading for intervals.

Services read the time here, never from datetime.now or time.monotonic themselves, so a
test can install another clock (tests/clock.py) and move time on instead of sleeping.
Time kept by PostgreSQL (now()) and Redis (key expiry) is theirs, not this clock's.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


class Clock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


_clock = Clock()


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return _clock.now()


def monotonic() -> float:
    """Seconds on a clock that never goes back: for ages of cached values and deadlines."""
    return _clock.monotonic()


def use(clock: Clock) -> Clock:
    """Makes `clock` the process's clock; returns the one it replaces (to put it back)."""
    global _clock
    previous, _clock = _clock, clock
    return previous
