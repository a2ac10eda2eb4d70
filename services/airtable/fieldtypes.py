"""Airtable's field types: their default options, and checking (or typecasting) values.

Values are stored as Airtable's API returns them: text as str, numbers as numbers, a
checkbox as true, a date as "2024-05-01", a dateTime as "2024-05-01T09:30:00.000Z" (UTC),
a singleSelect as its choice name, a multipleSelects as a list of names. Empty values
(None, "", false, []) are not stored, as Airtable leaves empty fields out.
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, date, datetime
from typing import Any

from services.airtable.model import Field, new_id
from services.formula.values import format_number, parse_datetime

TEXT_TYPES = ("singleLineText", "multilineText", "email", "url", "phoneNumber")
NUMBER_TYPES = ("number", "currency", "percent", "duration")
FIELD_TYPES = (
    *TEXT_TYPES,
    *NUMBER_TYPES,
    "checkbox",
    "date",
    "dateTime",
    "singleSelect",
    "multipleSelects",
    "rating",
)
SELECT_TYPES = ("singleSelect", "multipleSelects")
# The options Airtable's meta API requires when a field of the type is created.
DEFAULT_OPTIONS: dict[str, dict[str, Any]] = {
    "number": {"precision": 0},
    "currency": {"precision": 2, "symbol": "$"},
    "percent": {"precision": 0},
    "duration": {"durationFormat": "h:mm"},
    "checkbox": {"icon": "check", "color": "greenBright"},
    "date": {"dateFormat": {"name": "iso"}},
    "dateTime": {
        "dateFormat": {"name": "iso"},
        "timeFormat": {"name": "24hour"},
        "timeZone": "utc",
    },
    "rating": {"icon": "star", "max": 5, "color": "yellowBright"},
    "singleSelect": {"choices": []},
    "multipleSelects": {"choices": []},
}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TRUE_WORDS = ("true", "yes", "1", "checked", "on", "x")
FALSE_WORDS = ("false", "no", "0", "unchecked", "off", "")


class BadValue(Exception):
    """A value the field cannot hold: the message says what the field expects."""


def check_options(type_: str, options: dict[str, Any]) -> str | None:
    """What is wrong with a new field's options, or None."""
    if type_ in SELECT_TYPES:
        choices = options.get("choices", [])
        if not isinstance(choices, list) or not all(
            isinstance(c, dict) and isinstance(c.get("name"), str) and c["name"] for c in choices
        ):
            return 'choices must be a list of {"name": "..."} objects'
    if type_ in ("number", "currency", "percent") and "precision" in options:
        precision = options["precision"]
        if not isinstance(precision, int | float) or not 0 <= precision <= 8:
            return "precision must be a whole number from 0 to 8"
    top = options.get("max", 5)
    if type_ == "rating" and (not isinstance(top, int | float) or not 1 <= top <= 10):
        return "max must be from 1 to 10"
    return None


def with_defaults(type_: str, options: dict[str, Any]) -> dict[str, Any]:
    """The options Airtable needs for the type, with what the caller gave on top."""
    merged = {**copy.deepcopy(DEFAULT_OPTIONS.get(type_, {})), **options}
    for key in ("precision", "max"):
        if isinstance(merged.get(key), float):
            merged[key] = int(merged[key])
    if type_ in SELECT_TYPES:
        merged["choices"] = [{"id": c.get("id") or new_id("sel"), **c} for c in merged["choices"]]
    return merged


def choice_names(field: Field) -> list[str]:
    return [c["name"] for c in field.options.get("choices", [])]


def _number(value: Any, typecast: bool) -> float | int:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value) if isinstance(value, float) and value.is_integer() else value
    if typecast and isinstance(value, str):
        try:
            return _number(float(value.strip().replace(",", "")), False)
        except ValueError:
            pass
    if typecast and isinstance(value, bool):
        return int(value)
    raise BadValue("a number")


def _text(value: Any, typecast: bool, what: str = "text") -> str:
    if isinstance(value, str):
        return value
    if typecast and isinstance(value, int | float | bool):
        return format_number(value) if not isinstance(value, bool) else str(value).lower()
    raise BadValue(what)


def _moment(value: Any, type_: str) -> str:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        shape = "YYYY-MM-DD" if type_ == "date" else "an ISO 8601 date-time"
        raise BadValue(f"a date ({shape})")
    if type_ == "date":
        return (parsed.date() if isinstance(parsed, datetime) else parsed).isoformat()
    if not isinstance(parsed, datetime):
        parsed = datetime(parsed.year, parsed.month, parsed.day, tzinfo=UTC)
    return parsed.strftime("%Y-%m-%dT%H:%M:%S.") + f"{parsed.microsecond // 1000:03d}Z"


def _choices(field: Field, names: list[str], typecast: bool, new: list[str]) -> None:
    known = choice_names(field)
    for name in names:
        if name not in known and name not in new:
            if not typecast:
                raise BadValue(f"one of the choices {known} (or typecast to add {name!r})")
            new.append(name)


def clean_value(field: Field, value: Any, typecast: bool, new_choices: list[str]) -> Any:
    """The value to store (None: leave empty); raises BadValue naming the expected type."""
    if value is None:
        return None
    type_ = field.type
    if type_ in TEXT_TYPES:
        text = _text(value, typecast, "an email address" if type_ == "email" else "text")
        if type_ == "email" and text and not EMAIL.match(text):
            raise BadValue("an email address")
        return text or None
    if type_ in NUMBER_TYPES:
        return _number(value, typecast)
    if type_ == "rating":
        top = int(field.options.get("max", 5))
        rating = _number(value, typecast)
        if not isinstance(rating, int) or not 1 <= rating <= top:
            raise BadValue(f"a whole number from 1 to {top}")
        return rating
    if type_ == "checkbox":
        if typecast and isinstance(value, str | int | float) and not isinstance(value, bool):
            word = str(value).strip().lower()
            if word in TRUE_WORDS or word in FALSE_WORDS:
                value = word in TRUE_WORDS
        if not isinstance(value, bool):
            raise BadValue("true or false")
        return value or None
    if type_ in ("date", "dateTime"):
        if isinstance(value, date):
            value = value.isoformat()
        return _moment(value, type_) if value != "" else None
    if type_ == "singleSelect":
        name = _text(value, typecast, "a choice name")
        _choices(field, [name] if name else [], typecast, new_choices)
        return name or None
    if type_ == "multipleSelects":
        if typecast and isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BadValue("a list of choice names")
        _choices(field, value, typecast, new_choices)
        return list(dict.fromkeys(value)) or None
    raise BadValue(f"a value of a known type, not {type_}")
