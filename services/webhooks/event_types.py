"""The event types an endpoint may subscribe to, read from the contract itself.

Each field of the Event message's `payload` oneof (protos/tablemesh/events/v1/events.proto)
is commented with the types that carry it ("// record.created, record.updated, ..."), and
buf keeps comments in generated/tablemesh.binpb. Reading them there means a payload added
to the contract later is subscribable without a list here to keep in step.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from google.protobuf import descriptor_pb2
from tablemesh.events.v1.events_pb2 import Event

DESCRIPTOR_SET = Path(__file__).resolve().parents[2] / "generated" / "tablemesh.binpb"
# A type as events.py producers write it: lower-case words joined by dots.
TYPE = re.compile(r"\b[a-z][a-z_]*(?:\.[a-z][a-z_]*)+\b")
_MESSAGE, _FIELD = 4, 2


def types_in(file: descriptor_pb2.FileDescriptorProto, message: str, oneof: str) -> list[str]:
    """The type names in the comments of the oneof's fields, sorted."""
    index = next(i for i, m in enumerate(file.message_type) if m.name == message)
    found = file.message_type[index]
    oneof_index = next(i for i, o in enumerate(found.oneof_decl) if o.name == oneof)
    fields = {
        i
        for i, f in enumerate(found.field)
        if f.HasField("oneof_index") and f.oneof_index == oneof_index
    }
    names: set[str] = set()
    for loc in file.source_code_info.location:
        path = tuple(loc.path)
        if len(path) == 4 and path[:3] == (_MESSAGE, index, _FIELD) and path[3] in fields:
            names.update(TYPE.findall(loc.leading_comments))
    return sorted(names)


@lru_cache(maxsize=1)
def known() -> tuple[str, ...]:
    """Every event type of the mesh's contract."""
    files = descriptor_pb2.FileDescriptorSet.FromString(DESCRIPTOR_SET.read_bytes())
    name = Event.DESCRIPTOR.file.name
    file = next(f for f in files.file if f.name == name)
    return tuple(types_in(file, Event.DESCRIPTOR.name, "payload"))
