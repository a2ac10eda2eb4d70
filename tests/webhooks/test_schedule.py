"""The retry schedule: the configured delays with jitter, Retry-After honoured."""

from __future__ import annotations

import random
from datetime import timedelta

from services.runtime import clock
from services.runtime.config import Settings
from services.webhooks import schedule

SVIX = [0.0, 5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0]


def test_the_default_schedule_is_svix_s() -> None:
    defaults = Settings.__dict__["webhooks_retry_schedule"].default
    assert schedule.parse_delays(defaults) == SVIX


def test_each_retry_waits_its_step_within_the_jitter_then_the_message_is_dead() -> None:
    rng = random.Random(7)
    for made in range(1, len(SVIX)):
        delay = schedule.next_delay(SVIX, made, 500, None, rng)
        assert delay is not None
        assert SVIX[made] * 0.8 <= delay <= SVIX[made] * 1.2
    assert schedule.next_delay(SVIX, len(SVIX), 500) is None


def test_jitter_spreads_retries() -> None:
    rng = random.Random(1)
    delays = {schedule.next_delay(SVIX, 2, 500, None, rng) for _ in range(20)}
    assert len(delays) == 20


def test_retry_after_on_429_and_503_only_and_never_sooner_than_the_schedule() -> None:
    now = clock.now()
    assert schedule.retry_after("120", now) == 120
    http_date = (now + timedelta(seconds=600)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 598 <= (schedule.retry_after(http_date, now) or 0) <= 601
    assert schedule.retry_after("soon", now) is None
    assert schedule.retry_after("99999999", now) == schedule.RETRY_AFTER_MAX
    assert (schedule.next_delay(SVIX, 1, 429, 120.0) or 0) == 120
    assert (schedule.next_delay(SVIX, 1, 503, 120.0) or 0) == 120
    assert (schedule.next_delay(SVIX, 1, 500, 120.0) or 0) <= 6
    # A Retry-After shorter than the schedule's step does not hurry the retry.
    assert (schedule.next_delay(SVIX, 2, 429, 1.0) or 0) >= 240
