"""The formula functions: each takes its already-evaluated arguments.

AND, OR and IF are not here: they decide which arguments to evaluate (see evaluate.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from services.formula.errors import EvaluationError
from services.formula.values import (
    Value,
    as_datetime,
    to_number,
    to_text,
    truthy,
)
from services.runtime import clock

# Seconds per DATETIME_DIFF unit; months and years count calendar boundaries instead.
UNIT_SECONDS = {
    "milliseconds": 0.001,
    "ms": 0.001,
    "seconds": 1,
    "s": 1,
    "minutes": 60,
    "m": 60,
    "hours": 3600,
    "h": 3600,
    "days": 86400,
    "d": 86400,
    "weeks": 7 * 86400,
    "w": 7 * 86400,
}


def _find(needle: Value, haystack: Value, start: Value = 1, *, fold: bool = False) -> int:
    text, sub = to_text(haystack), to_text(needle)
    if fold:
        text, sub = text.casefold(), sub.casefold()
    begin = max(int(to_number(start)) - 1, 0)
    return text.find(sub, begin) + 1


def find(needle: Value, haystack: Value, start: Value = 1) -> int:
    """1-based position of needle in haystack (case-sensitive), 0 when absent."""
    return _find(needle, haystack, start)


def search(needle: Value, haystack: Value, start: Value = 1) -> int | None:
    """Like FIND but ignoring case, and blank when absent (as Airtable's SEARCH)."""
    return _find(needle, haystack, start, fold=True) or None


def datetime_diff(first: Value, second: Value, unit: Value = "seconds") -> int:
    a, b = as_datetime(first), as_datetime(second)
    raw = to_text(unit).strip()
    # Airtable's short units are case-sensitive: "M" is months, "m" minutes.
    name = raw if len(raw) <= 2 else raw.lower()
    if name in ("months", "M", "years", "y", "quarters", "Q"):
        months = (a.year - b.year) * 12 + a.month - b.month
        if months > 0 and (a.day, a.time()) < (b.day, b.time()):
            months -= 1
        elif months < 0 and (a.day, a.time()) > (b.day, b.time()):
            months += 1
        per = {"months": 1, "M": 1, "quarters": 3, "Q": 3}.get(name, 12)
        return int(months / per)
    if name not in UNIT_SECONDS:
        raise EvaluationError(f"unknown unit {name!r}")
    return int((a - b).total_seconds() / UNIT_SECONDS[name])


def today() -> date:
    return clock.now().date()


def now() -> datetime:
    return clock.now()


def length(value: Value) -> int:
    return len(to_text(value))


def concatenate(*values: Value) -> str:
    return "".join(to_text(v) for v in values)


# name -> (implementation, fewest arguments, most arguments or None for any number)
FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int | None]] = {
    "NOT": (lambda value: not truthy(value), 1, 1),
    "FIND": (find, 2, 3),
    "SEARCH": (search, 2, 3),
    "BLANK": (lambda: None, 0, 0),
    "TRUE": (lambda: True, 0, 0),
    "FALSE": (lambda: False, 0, 0),
    "LEN": (length, 1, 1),
    "LOWER": (lambda value: to_text(value).lower(), 1, 1),
    "UPPER": (lambda value: to_text(value).upper(), 1, 1),
    "TRIM": (lambda value: to_text(value).strip(), 1, 1),
    "CONCATENATE": (concatenate, 1, None),
    "VALUE": (lambda value: to_number(value), 1, 1),
    "TODAY": (today, 0, 0),
    "NOW": (now, 0, 0),
    "DATETIME_DIFF": (datetime_diff, 2, 3),
    "IS_BEFORE": (lambda a, b: as_datetime(a) < as_datetime(b), 2, 2),
    "IS_AFTER": (lambda a, b: as_datetime(a) > as_datetime(b), 2, 2),
}
# Evaluated lazily by the evaluator itself.
SPECIAL = {"AND": (1, None), "OR": (1, None), "IF": (2, 3)}


def arity(name: str) -> tuple[int, int | None] | None:
    if name in SPECIAL:
        return SPECIAL[name]
    entry = FUNCTIONS.get(name)
    return (entry[1], entry[2]) if entry else None
