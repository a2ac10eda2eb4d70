"""Why a request's bytes do not decode, named by field path, for an INVALID_ARGUMENT.

The protobuf runtime only says "String field had bad UTF-8" or "Exceeded MaxDepth"; this
walks the wire format along the request's descriptor to find the field (Envoy's transcoder
passes a query parameter such as `search=%FF` on as raw bytes). It runs only for requests
that already failed to decode, so it favours clarity over speed, and it stops at the first
problem it finds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf import descriptor_pool
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from services.runtime.errors import DomainError, InvalidArgument, invalid
from services.runtime.request_checks import LIST_VALUE, MAX_STRUCT_DEPTH, NESTED, STRUCT, VALUE

# Messages inside one another beyond this are refused whatever their type.
MAX_MESSAGE_DEPTH = 100


class _Found(Exception):
    def __init__(self, path: str, description: str) -> None:
        super().__init__(path)
        self.path = path
        self.description = description


class _Malformed(Exception):
    """Bytes that are not protobuf at all: no field to name."""


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while pos < len(data) and shift < 70:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
    raise _Malformed


def _fields(data: bytes) -> list[tuple[int, int, bytes | None]]:
    """(field number, wire type, bytes of a length-delimited value) in order."""
    found: list[tuple[int, int, bytes | None]] = []
    pos = 0
    while pos < len(data):
        tag, pos = _varint(data, pos)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            _, pos = _varint(data, pos)
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        elif wire == 2:
            size, pos = _varint(data, pos)
            found.append((number, wire, data[pos : pos + size]))
            pos += size
        else:
            raise _Malformed
        if pos > len(data):
            raise _Malformed
    return found


def _map_key(entry: Descriptor, data: bytes) -> str:
    for number, _, value in _fields(data):
        key_field = entry.fields_by_number.get(1)
        if number == 1 and value is not None and key_field is not None:
            return value[:40].decode("utf-8", "replace")
    return ""


def _walk(descriptor: Descriptor, data: bytes, path: str, depth: int, nesting: int) -> None:
    if depth > MAX_MESSAGE_DEPTH:
        raise _Found(path, f"is nested more than {MAX_MESSAGE_DEPTH} messages deep")
    name = descriptor.full_name
    if name in NESTED:
        if nesting >= MAX_STRUCT_DEPTH:
            raise _Found(path, f"is nested more than {MAX_STRUCT_DEPTH} levels deep")
        nesting += 1
    counts: dict[int, int] = {}
    for number, _, value in _fields(data):
        field = descriptor.fields_by_number.get(number)
        if field is None or value is None:
            continue
        index = counts[number] = counts.get(number, -1) + 1
        where = _where(descriptor, field, path, index, value)
        if field.type == FieldDescriptor.TYPE_STRING:
            try:
                value.decode("utf-8")
            except UnicodeDecodeError:
                raise _Found(where, "is not valid UTF-8") from None
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            sub: Any = field.message_type
            _walk(sub, value, where, depth + 1, nesting)


def _where(
    descriptor: Descriptor, field: FieldDescriptor, path: str, index: int, value: bytes
) -> str:
    """The JSON-like path of one field: Struct keys and map keys as names, no wrappers."""
    name = descriptor.full_name
    if name == VALUE or (descriptor.GetOptions().map_entry and field.number == 2):
        return path  # a Value or a map's value is named by its key already
    if descriptor.GetOptions().map_entry:
        return path
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        key = _map_key(field.message_type, value)
        if name == STRUCT:
            return f"{path}.{key}" if path else key
        return f"{path}.{field.name}[{key!r}]" if path else f"{field.name}[{key!r}]"
    if name == LIST_VALUE:
        return f"{path}[{index}]"
    where = f"{path}.{field.name}" if path else field.name
    return f"{where}[{index}]" if field.is_repeated else where


def undecodable(descriptor: Descriptor | None, data: bytes) -> InvalidArgument:
    """The INVALID_ARGUMENT for request bytes that failed to decode."""
    if descriptor is not None:
        try:
            _walk(descriptor, data, "", 0, 0)
        except _Found as found:
            return invalid(found.path or "request", found.description)
        except (_Malformed, RecursionError):
            pass
    return InvalidArgument(
        "the request is not a valid protobuf message", reason="MALFORMED_REQUEST"
    )


class Undecodable:
    """Stands in for a request whose bytes did not decode, so the call can answer
    INVALID_ARGUMENT (gRPC itself would answer UNKNOWN with the decoder's exception)."""

    def __init__(self, error: DomainError) -> None:
        self.error = error


def _request_type(method: str) -> Descriptor | None:
    service, _, name = method.removeprefix("/").rpartition("/")
    try:
        return descriptor_pool.Default().FindServiceByName(service).methods_by_name[name].input_type
    except KeyError:
        return None


def decoder(method: str, deserializer: Callable[[bytes], Any] | None) -> Any:
    """`deserializer` made total: bytes it cannot decode become an Undecodable."""
    if deserializer is None:
        return None
    request_type = _request_type(method)

    def decode(data: bytes) -> Any:
        try:
            return deserializer(data)
        except Exception:  # noqa: BLE001 - DecodeError, RecursionError: the bytes are bad
            return Undecodable(undecodable(request_type, data))

    return decode
