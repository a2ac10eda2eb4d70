"""Checks for saga input fields (a JSON object): each names the field as "input.<name>"."""

from __future__ import annotations

from typing import Any

from services.runtime.errors import Violations
from services.runtime.validation import check_required, check_uuid


def string_field(v: Violations, data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None:
        v.add(f"input.{name}", "is required")
        return None
    if not isinstance(value, str):
        v.add(f"input.{name}", f"must be a string, got {type(value).__name__}")
        return None
    return value


def check_text(v: Violations, data: dict[str, Any], name: str, max_len: int = 100) -> None:
    value = string_field(v, data, name)
    if value is not None:
        check_required(v, f"input.{name}", value, max_len)


def check_uuid_field(v: Violations, data: dict[str, Any], name: str) -> None:
    value = string_field(v, data, name)
    if value is not None:
        check_uuid(v, f"input.{name}", value)
