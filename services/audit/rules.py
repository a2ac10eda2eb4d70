"""Which events are audited, read from the events proto itself: the Event's payload
fields marked with the `(tablemesh.events.v1.audit)` option (events/v1/audited.proto).

A new security-relevant event needs only that option on its oneof field; nothing here
lists types by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from tablemesh.events.v1 import audited_pb2
from tablemesh.events.v1.events_pb2 import Event


@dataclass(frozen=True)
class Rule:
    """One audited payload field and what its events record."""

    field: str
    types: tuple[str, ...]
    resource_kind: str
    resource_id_field: str
    failure_types: frozenset[str]

    def covers(self, event_type: str) -> bool:
        return any(
            event_type.startswith(t) if t.endswith(".") else event_type == t for t in self.types
        )


@cache
def rules() -> dict[str, Rule]:
    """The audited payload fields by name."""
    found = {}
    for field in Event.DESCRIPTOR.oneofs_by_name["payload"].fields:
        options = field.GetOptions()
        if not options.HasExtension(audited_pb2.audit):
            continue
        spec = options.Extensions[audited_pb2.audit]
        found[field.name] = Rule(
            field.name,
            tuple(spec.types),
            spec.resource_kind,
            spec.resource_id_field,
            frozenset(spec.failure_types),
        )
    return found


def rule_for(event: Event) -> Rule | None:
    """The rule that makes this event an audit entry, or None (not security-relevant)."""
    payload = event.WhichOneof("payload")
    found = rules().get(payload) if payload else None
    return found if found is not None and found.covers(event.type) else None


def known_resource_kinds() -> frozenset[str]:
    return frozenset(r.resource_kind for r in rules().values())
