"""The checks every request passes before its servicer runs, derived from its descriptor.

Every string anywhere in the request (nested messages, repeated fields, map keys and values,
google.protobuf.Struct/Value/ListValue) must be storable: no NUL character (PostgreSQL text
cannot hold it) and at most its cap in characters (the one table below). Struct/ListValue
nesting is bounded too. A failure is INVALID_ARGUMENT naming the field path.

It runs on every call, so it only visits what is set (ListFields) and remembers per field
descriptor what kind of field it is.
"""

from __future__ import annotations

import contextlib
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from services.runtime.errors import Violations

# Most characters a string may hold, by field name; DEFAULT_MAX_CHARS for every other one.
# A cell value's limit is Airtable's own (100,000 characters for long text).
MAX_CHARS: dict[str, int] = {
    "request_id": 200,
}
DEFAULT_MAX_CHARS = 100_000
# Most levels of Struct/ListValue inside one another (records' fields, preferences, ...).
MAX_STRUCT_DEPTH = 32
# The first few violations say enough; the walk stops there.
MAX_REPORTED = 10

STRUCT = "google.protobuf.Struct"
VALUE = "google.protobuf.Value"
LIST_VALUE = "google.protobuf.ListValue"
NESTED = (STRUCT, LIST_VALUE)

_STRING, _MESSAGE, _MAP, _OTHER = range(4)


class _Full(Exception):
    """Enough violations were found."""


def _kind(field: FieldDescriptor) -> int:
    if field.type == FieldDescriptor.TYPE_STRING:
        return _STRING
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        entry: Any = field.message_type
        return _MAP if entry.GetOptions().map_entry else _MESSAGE
    return _OTHER


_kinds: dict[FieldDescriptor, tuple[int, int]] = {}
# Message types with no string or message field anywhere need no visit at all.
_plain: dict[Any, bool] = {}


def _field(field: FieldDescriptor) -> tuple[int, int]:
    found = _kinds.get(field)
    if found is None:
        found = _kinds[field] = (_kind(field), MAX_CHARS.get(field.name, DEFAULT_MAX_CHARS))
    return found


def _is_plain(descriptor: Any) -> bool:
    found = _plain.get(descriptor)
    if found is None:
        nested = descriptor.full_name in (STRUCT, VALUE, LIST_VALUE)
        found = not nested and all(_field(f)[0] == _OTHER for f in descriptor.fields)
        _plain[descriptor] = found
    return found


# A field path, built only when a violation needs it: (parent, step), step a field name or
# Struct key (str), a list index (int), or another map key.
Path = tuple[Any, ...]
ROOT: Path = ()


def render(path: Path) -> str:
    steps: list[str] = []
    while path:
        path, step = path
        if isinstance(step, str):
            steps.append("." + step[:40])
        else:
            steps.append(f"[{step!r}]")
    return "".join(reversed(steps)).removeprefix(".")


class _Walk:
    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, path: Path, description: str) -> None:
        self.items.append((render(path) or "request", description))
        if len(self.items) >= MAX_REPORTED:
            raise _Full

    def text(self, path: Path, value: str, cap: int) -> None:
        if "\x00" in value:
            self.add(path, "must not contain NUL (\\u0000) characters")
        if len(value) > cap:
            self.add(path, f"must be at most {cap} characters")

    def message(self, message: Any, path: Path, depth: int) -> None:
        descriptor = message.DESCRIPTOR
        if _is_plain(descriptor):
            return
        name = descriptor.full_name
        if name == STRUCT:
            self.struct(message, path, depth)
            return
        if name == LIST_VALUE:
            self.list(message, path, depth)
            return
        if name == VALUE:
            self.value(message, path, depth)
            return
        for field, value in message.ListFields():
            kind, cap = _field(field)
            if kind == _OTHER:
                continue
            where = (path, field.name)
            if kind == _STRING:
                if field.is_repeated:
                    for i, item in enumerate(value):
                        self.text((where, i), item, cap)
                else:
                    self.text(where, value, cap)
            elif kind == _MAP:
                self.map(field, value, where, depth)
            elif field.is_repeated:
                for i, item in enumerate(value):
                    self.message(item, (where, i), depth)
            else:
                self.message(value, where, depth)

    def map(self, field: FieldDescriptor, entries: Any, where: Path, depth: int) -> None:
        entry: Any = field.message_type
        key_kind, key_cap = _field(entry.fields_by_name["key"])
        value_kind, value_cap = _field(entry.fields_by_name["value"])
        for key, value in entries.items():
            at = (where, key)
            if key_kind == _STRING:
                self.text(at, key, key_cap)
            if value_kind == _STRING:
                self.text(at, value, value_cap)
            elif value_kind != _OTHER:
                self.message(value, at, depth)

    def value(self, value: Any, path: Path, depth: int) -> None:
        kind = value.WhichOneof("kind")
        if kind == "string_value":
            self.text(path, value.string_value, DEFAULT_MAX_CHARS)
        elif kind == "struct_value":
            self.struct(value.struct_value, path, depth)
        elif kind == "list_value":
            self.list(value.list_value, path, depth)

    def struct(self, struct: Any, path: Path, depth: int) -> None:
        if depth >= MAX_STRUCT_DEPTH:
            self.add(path, f"is nested more than {MAX_STRUCT_DEPTH} levels deep")
            return
        for key, value in struct.fields.items():
            at = (path, key)
            if "\x00" in key or len(key) > DEFAULT_MAX_CHARS:
                self.text(at, key, DEFAULT_MAX_CHARS)
            self.value(value, at, depth + 1)

    def list(self, values: Any, path: Path, depth: int) -> None:
        if depth >= MAX_STRUCT_DEPTH:
            self.add(path, f"is nested more than {MAX_STRUCT_DEPTH} levels deep")
            return
        for i, value in enumerate(values.values):
            self.value(value, (path, i), depth + 1)


def violations_of(message: Message) -> list[tuple[str, str]]:
    """(field path, what is wrong) for the first few unstorable strings or deep nests."""
    walk = _Walk()
    with contextlib.suppress(_Full):
        walk.message(message, ROOT, 0)
    return walk.items


def check_request(message: Message) -> None:
    """Raises INVALID_ARGUMENT naming every field found wrong (up to MAX_REPORTED)."""
    violations = Violations()
    violations.items = violations_of(message)
    violations.raise_if_any()
