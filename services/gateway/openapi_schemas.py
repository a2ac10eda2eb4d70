"""JSON Schemas for proto messages, as Envoy's transcoder writes and reads their JSON.

The transcoder follows protobuf's JSON mapping with preserve_proto_field_names: field names
are the proto names (it also accepts lowerCamelCase in requests), 64-bit integers are
strings, enums are their value names, bytes are base64, and the well-known types have
their own forms (a Timestamp is an RFC 3339 string, a Struct any JSON object...).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from google.api import field_behavior_pb2
from google.protobuf import descriptor_pb2

Json = dict[str, Any]
F = descriptor_pb2.FieldDescriptorProto

_INT64 = {"type": "string", "format": "int64", "pattern": r"^-?[0-9]+$"}
_UINT64 = {"type": "string", "format": "uint64", "pattern": r"^[0-9]+$"}
_INT32 = {"type": "integer", "format": "int32", "minimum": -(2**31), "maximum": 2**31 - 1}
_UINT32 = {"type": "integer", "format": "uint32", "minimum": 0, "maximum": 2**32 - 1}
_BYTES = {"type": "string", "contentEncoding": "base64"}
SCALARS: dict[int, Json] = {
    F.TYPE_DOUBLE: {"type": "number", "format": "double"},
    F.TYPE_FLOAT: {"type": "number", "format": "float"},
    F.TYPE_INT64: _INT64,
    F.TYPE_SINT64: _INT64,
    F.TYPE_SFIXED64: _INT64,
    F.TYPE_UINT64: _UINT64,
    F.TYPE_FIXED64: _UINT64,
    F.TYPE_INT32: _INT32,
    F.TYPE_SINT32: _INT32,
    F.TYPE_SFIXED32: _INT32,
    F.TYPE_UINT32: _UINT32,
    F.TYPE_FIXED32: _UINT32,
    F.TYPE_BOOL: {"type": "boolean"},
    F.TYPE_STRING: {"type": "string"},
    F.TYPE_BYTES: _BYTES,
}

_WRAPPED = {
    "DoubleValue": F.TYPE_DOUBLE,
    "FloatValue": F.TYPE_FLOAT,
    "Int64Value": F.TYPE_INT64,
    "UInt64Value": F.TYPE_UINT64,
    "Int32Value": F.TYPE_INT32,
    "UInt32Value": F.TYPE_UINT32,
    "BoolValue": F.TYPE_BOOL,
    "StringValue": F.TYPE_STRING,
    "BytesValue": F.TYPE_BYTES,
}
# Well-known types whose JSON form is one string, number or boolean: these may also be
# query parameters.
SCALAR_WELL_KNOWN: dict[str, Json] = {
    "google.protobuf.Timestamp": {"type": "string", "format": "date-time"},
    "google.protobuf.Duration": {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]{1,9})?s$"},
    "google.protobuf.FieldMask": {
        "type": "string",
        "description": "Field paths separated by commas: proto names (lowerCamelCase is accepted).",
    },
    **{f"google.protobuf.{name}": dict(SCALARS[kind]) for name, kind in _WRAPPED.items()},
}
WELL_KNOWN: dict[str, Json] = {
    **SCALAR_WELL_KNOWN,
    "google.protobuf.Struct": {"type": "object", "additionalProperties": True},
    "google.protobuf.Value": {"description": "Any JSON value."},
    "google.protobuf.ListValue": {"type": "array", "items": {}},
    "google.protobuf.Empty": {"type": "object", "additionalProperties": False},
    "google.protobuf.Any": {
        "type": "object",
        "description": "A message of the type that `@type` names, with that type's fields.",
        "properties": {"@type": {"type": "string"}},
        "required": ["@type"],
        "additionalProperties": True,
    },
}
HTTP_BODY = "google.api.HttpBody"
STATUS = "google.rpc.Status"


def ref(full_name: str) -> Json:
    return {"$ref": f"#/components/schemas/{full_name}"}


def behaviors(f: descriptor_pb2.FieldDescriptorProto) -> Sequence[int]:
    return list(f.options.Extensions[field_behavior_pb2.field_behavior])


@dataclass
class Schemas:
    """Builds component schemas for the messages and enums a document refers to."""

    messages: dict[str, descriptor_pb2.DescriptorProto]
    enums: dict[str, descriptor_pb2.EnumDescriptorProto]
    comments: dict[str, str]
    components: dict[str, Json] = field(default_factory=dict)

    @classmethod
    def of(
        cls, files: Iterable[descriptor_pb2.FileDescriptorProto], comments: dict[str, str]
    ) -> Schemas:
        messages: dict[str, descriptor_pb2.DescriptorProto] = {}
        enums: dict[str, descriptor_pb2.EnumDescriptorProto] = {}

        def walk(prefix: str, found: Iterable[descriptor_pb2.DescriptorProto]) -> None:
            for m in found:
                messages[f"{prefix}.{m.name}"] = m
                enums.update({f"{prefix}.{m.name}.{e.name}": e for e in m.enum_type})
                walk(f"{prefix}.{m.name}", m.nested_type)

        for file in files:
            walk(file.package, file.message_type)
            enums.update({f"{file.package}.{e.name}": e for e in file.enum_type})
        return cls(messages, enums, comments)

    def field(self, f: descriptor_pb2.FieldDescriptorProto, owner: str) -> Json:
        """The schema of one field of message `owner`, with its comment."""
        if f.label == F.LABEL_REPEATED and not self._is_map(f):
            schema: Json = {"type": "array", "items": self.single(f)}
        else:
            schema = self.single(f)
        text = self.comments.get(f"{owner}.{f.name}")
        if f.type == F.TYPE_BYTES:
            text = " ".join(filter(None, [text, "Base64."]))
        if text:
            schema = {**schema, "description": text}
        if field_behavior_pb2.OUTPUT_ONLY in behaviors(f):
            schema["readOnly"] = True
        return schema

    def single(self, f: descriptor_pb2.FieldDescriptorProto) -> Json:
        """The schema of one value of a field (an element, for a repeated one)."""
        if f.type == F.TYPE_ENUM:
            return self.enum(f.type_name.removeprefix("."))
        if f.type in (F.TYPE_MESSAGE, F.TYPE_GROUP):
            name = f.type_name.removeprefix(".")
            if self._is_map(f):
                entry = self.messages[name]
                value = next(x for x in entry.field if x.name == "value")
                return {"type": "object", "additionalProperties": self.single(value)}
            return self.message(name)
        return dict(SCALARS[f.type])

    def _is_map(self, f: descriptor_pb2.FieldDescriptorProto) -> bool:
        entry = self.messages.get(f.type_name.removeprefix("."))
        return f.label == F.LABEL_REPEATED and entry is not None and entry.options.map_entry

    def enum(self, name: str) -> Json:
        """A reference to an enum's schema: its value names (the transcoder prints names)."""
        if name not in self.components:
            enum = self.enums[name]
            values = [v.name for v in enum.value]
            notes = [
                f"- `{v.name}`: {self.comments[f'{name}.{v.name}']}"
                for v in enum.value
                if f"{name}.{v.name}" in self.comments
            ]
            text = "\n".join(filter(None, [self.comments.get(name, ""), *notes]))
            self.components[name] = {"type": "string", "enum": values, "description": text}
        return ref(name)

    def message(self, name: str, without: frozenset[str] = frozenset()) -> Json:
        """A message's schema: a reference to its component, or, when some of its fields
        are bound elsewhere (the path), an inline copy without those field paths."""
        if not without:
            if name not in self.components:
                self.components[name] = {}  # a placeholder first: messages may recurse
                self.components[name] = self._build(name, frozenset())
            return ref(name)
        return self._build(name, without)

    def _build(self, name: str, without: frozenset[str]) -> Json:
        if name in WELL_KNOWN:
            return dict(WELL_KNOWN[name])
        message = self.messages[name]
        properties: Json = {}
        required: list[str] = []
        for f in message.field:
            if f.name in without:
                continue
            inner = frozenset(
                p.removeprefix(f"{f.name}.") for p in without if p.startswith(f"{f.name}.")
            )
            if inner and f.type == F.TYPE_MESSAGE:
                properties[f.name] = self.message(f.type_name.removeprefix("."), inner)
            else:
                properties[f.name] = self.field(f, name)
            if field_behavior_pb2.REQUIRED in behaviors(f):
                required.append(f.name)
        schema: Json = {"type": "object", "properties": properties, "additionalProperties": False}
        if required:
            schema["required"] = required
        notes = [self.comments.get(name, ""), *self._oneof_notes(message, without)]
        text = "\n\n".join(filter(None, notes))
        if text:
            schema["description"] = text
        return schema

    @staticmethod
    def _oneof_notes(message: descriptor_pb2.DescriptorProto, without: frozenset[str]) -> list[str]:
        groups: dict[int, list[str]] = {}
        for f in message.field:
            if f.HasField("oneof_index") and not f.proto3_optional and f.name not in without:
                groups.setdefault(f.oneof_index, []).append(f"`{f.name}`")
        return [f"At most one of {', '.join(names)}." for names in groups.values()]
