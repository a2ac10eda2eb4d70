"""Formula values and how they convert, as Airtable's formulas treat them.

A value is None (blank), bool, int/float, str, date, datetime (always UTC) or a list
(multiple selects). Text in a number context becomes a number when it reads as one; text
compared with a date reads as a date; blank is "" as text and 0 as a number.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from services.formula.errors import EvaluationError

Value = Any


def parse_datetime(text: str) -> date | datetime | None:
    """A date ("2024-05-01") or datetime (ISO 8601, "Z" allowed) from text, else None."""
    text = text.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def as_datetime(value: Value) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str) and (parsed := parse_datetime(value)) is not None:
        return as_datetime(parsed)
    raise EvaluationError(f"{value!r} is not a date")


def is_date(value: Value) -> bool:
    return isinstance(value, date)


def is_blank(value: Value) -> bool:
    return value is None or value == "" or value == []


def to_number(value: Value) -> float | int:
    if value is None or value == "" or value == []:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return float(value.strip().replace(",", ""))
        except ValueError:
            raise EvaluationError(f"{value!r} is not a number") from None
    raise EvaluationError(f"{value!r} is not a number")


def format_number(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def to_text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(to_text(v) for v in value)
    return str(value)


def truthy(value: Value) -> bool:
    if isinstance(value, str):
        return value != ""
    if isinstance(value, list):
        return bool(value)
    return value is not None and value is not False and value != 0


def _ordered(left: Value, right: Value) -> tuple[Any, Any]:
    """Both sides in one comparable kind: dates, numbers or text."""
    if is_date(left) or is_date(right):
        if left is None or right is None:
            raise EvaluationError("a blank is not a date")
        return as_datetime(left), as_datetime(right)
    numeric = (bool, int, float)
    if isinstance(left, numeric) or isinstance(right, numeric):
        try:
            return to_number(left), to_number(right)
        except EvaluationError:
            return to_text(left), to_text(right)
    return to_text(left), to_text(right)


def compare(op: str, left: Value, right: Value) -> bool:
    if op in ("=", "!=") and (is_blank(left) or is_blank(right)):
        same = is_blank(left) and is_blank(right)
        if not same and not is_date(left) and not is_date(right):
            try:  # a blank number equals 0, as in Airtable
                same = to_number(left) == to_number(right)
            except EvaluationError:
                same = False
        return same if op == "=" else not same
    a, b = _ordered(left, right)
    if op == "=":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    if op == "<":
        return bool(a < b)
    if op == ">":
        return bool(a > b)
    if op == "<=":
        return bool(a <= b)
    return bool(a >= b)
