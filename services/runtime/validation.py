"""Checks shared by every service's request validation."""

from __future__ import annotations

import uuid

from email_validator import EmailNotValidError, validate_email

from services.runtime.errors import Violations, invalid


def check_email(violations: Violations, field: str, value: str) -> str:
    """The normalized (lower-case) address, or a violation that says what is wrong."""
    if not value:
        violations.add(field, "is required")
        return ""
    try:
        info = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        violations.add(field, f"is not a valid email address: {exc}")
        return value
    return info.normalized.lower()


def check_required(violations: Violations, field: str, value: str, max_len: int = 200) -> str:
    text = value.strip()
    if not text:
        violations.add(field, "is required")
    elif len(text) > max_len:
        violations.add(field, f"must be at most {max_len} characters")
    return text


def check_uuid(violations: Violations, field: str, value: str) -> str:
    if not value:
        violations.add(field, "is required")
        return value
    try:
        return str(uuid.UUID(value))
    except ValueError:
        violations.add(field, f"must be a UUID, got {value[:40]!r}")
        return value


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def check_update_mask(mask: list[str], fields: tuple[str, ...] | list[str]) -> None:
    """AIP-134: an update names the fields it changes, each one the resource may change."""
    if not mask:
        raise invalid("update_mask", "must name at least one field")
    unknown = [p for p in mask if p not in fields]
    if unknown:
        raise invalid(
            "update_mask", f"unknown field {unknown[0][:40]!r}; one of {', '.join(fields)}"
        )
