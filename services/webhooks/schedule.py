"""When a failed message is tried again: the operator's schedule, with jitter, and the
receiver's Retry-After on 429 and 503 (never sooner than the schedule says)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# Each delay varies by up to this share, so a receiver that came back is not hit by every
# message that failed at the same time in the same second.
JITTER = 0.2
# A Retry-After is honoured up to this many seconds (one day): a receiver cannot park a
# message for ever.
RETRY_AFTER_MAX = 86400.0
RETRY_AFTER_CODES = (429, 503)


def parse_delays(values: list[str]) -> list[float]:
    """The schedule setting's delays in seconds (config.check_retry_schedule checked them)."""
    return [float(v) for v in values]


def retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return min(float(text), RETRY_AFTER_MAX)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max(0.0, (when - now).total_seconds()), RETRY_AFTER_MAX)


def next_delay(
    delays: list[float],
    attempts_made: int,
    status: int = 0,
    asked: float | None = None,
    rng: random.Random | None = None,
) -> float | None:
    """Seconds until the next attempt after `attempts_made` attempts of this round failed
    (the last with `status`, whose Retry-After asked for `asked` seconds); None when the
    schedule is spent and the message is dead-lettered."""
    if attempts_made >= len(delays):
        return None
    base = delays[attempts_made]
    spread = (rng or random).uniform(-JITTER, JITTER)
    delay = base * (1 + spread)
    if status in RETRY_AFTER_CODES and asked is not None:
        delay = max(delay, asked)
    return delay
