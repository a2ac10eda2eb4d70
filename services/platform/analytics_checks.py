"""Checks of the analytics requests, each bad field collected with the rest."""

from __future__ import annotations

import math
from datetime import UTC, date, timedelta

from google.protobuf.timestamp_pb2 import Timestamp

from services.platform import figures
from services.runtime import clock
from services.runtime.errors import Violations
from services.runtime.validation import is_uuid

MAX_DAYS = 366
DEFAULT_DAYS = 30
MAX_BATCH = 100
MAX_VALUE = 1e12
# GRANULARITY_UNSPECIFIED (the default: a day) and GRANULARITY_DAY.
DAY_GRANULARITIES = (0, 1)


def _day(v: Violations, field: str, stamp: Timestamp | None) -> date | None:
    if stamp is None:
        return None
    try:
        return stamp.ToDatetime(tzinfo=UTC).date()
    except (ValueError, OverflowError):
        v.add(field, "is not a valid time")
        return None


def day_range(v: Violations, start: Timestamp | None, end: Timestamp | None) -> tuple[date, date]:
    """The first and last UTC day of [start, end]: by default the 30 days ending today."""
    last = _day(v, "end_time", end) or clock.now().date()
    first = _day(v, "start_time", start) or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        v.add("end_time", "must not be before start_time")
    elif (last - first).days + 1 > MAX_DAYS:
        v.add("start_time", f"the range may span at most {MAX_DAYS} days")
    return first, last


def check_metric(v: Violations, metric: str) -> None:
    if not metric:
        v.add("metric", "is required")
    elif metric not in figures.MEASURED and not figures.is_client_metric(metric):
        shown = metric[:80]
        v.add(
            "metric",
            f"unknown metric {shown!r}: one of {', '.join(figures.MEASURED)},"
            " or client.event.<name> / client.metric.<name>",
        )


def check_granularity(v: Violations, granularity: int) -> None:
    if granularity not in DAY_GRANULARITIES:
        v.add("granularity", "must be GRANULARITY_DAY (only days are kept)")


def check_user_id(v: Violations, user_id: str) -> None:
    if user_id and not is_uuid(user_id):
        v.add("user_id", "must be a user's id (a UUID)")


def check_batch(v: Violations, field: str, count: int) -> None:
    if count == 0:
        v.add(field, "needs at least one item")
    elif count > MAX_BATCH:
        v.add(field, f"may hold at most {MAX_BATCH} items, got {count}")


def check_name(v: Violations, field: str, name: str) -> None:
    if not name:
        v.add(field, "is required")
    elif not figures.is_client_name(name):
        v.add(
            field,
            f"must be at most {figures.MAX_CLIENT_NAME} lowercase letters, digits and"
            " underscores in dot-separated parts, each starting with a letter",
        )


def check_value(v: Violations, field: str, value: float) -> None:
    if not math.isfinite(value):
        v.add(field, "must be a finite number")
    elif value < 0:
        v.add(field, "must not be negative")
    elif value > MAX_VALUE:
        v.add(field, f"must be at most {MAX_VALUE:g}")
