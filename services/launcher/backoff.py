"""Exponential back-off between restarts of a crashing process.

A process that keeps crashing is restarted after 1s, 2s, 4s ... up to 30s, so a broken
service does not spin the CPU; once it has stayed up for a while the delay starts over,
so one crash a day is retried quickly.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Backoff:
    initial: float = 1.0
    factor: float = 2.0
    maximum: float = 30.0
    # Uptime (seconds) after which a crash counts as a fresh failure, not a repeat.
    stable_after: float = 60.0
    _next: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self._next = self.initial

    def delay_after(self, uptime: float) -> float:
        """The wait before the next start, given how long the last run lasted."""
        if uptime >= self.stable_after:
            self.reset()
        delay = self._next
        self._next = min(self._next * self.factor, self.maximum)
        return delay

    def reset(self) -> None:
        self._next = self.initial
