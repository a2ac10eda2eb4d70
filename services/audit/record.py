"""An audit entry as it is hashed: the fields an admin reads, in one canonical form.

The leaf of the Merkle tree is SHA-256(0x00 || canonical bytes), where the canonical bytes
are the entry's fields (its sequence number included, so moving an entry changes its hash)
as JSON with sorted keys and no spaces. `details` is kept as that same JSON text in the
database, so the bytes hashed at append time can be rebuilt exactly from the stored row.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

from google.protobuf import json_format
from tablemesh.events.v1.events_pb2 import ActorKind, Event

from services.audit import merkle
from services.audit.rules import Rule

ACTOR_KINDS = {
    ActorKind.ACTOR_KIND_USER: "user",
    ActorKind.ACTOR_KIND_SERVICE: "service",
    ActorKind.ACTOR_KIND_ANONYMOUS: "anonymous",
}
OUTCOMES = ("success", "failure")


@dataclass(frozen=True)
class Record:
    event_id: str
    tenant_id: str
    time: datetime
    actor_kind: str
    actor_id: str
    actor_role: str
    action: str
    resource: str
    outcome: str
    source_ip: str
    user_agent: str
    request_id: str
    details: str
    seq: int = -1

    def canonical(self) -> bytes:
        fields: dict[str, Any] = asdict(self)
        fields["time"] = self.time.astimezone(UTC).isoformat()
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()

    def leaf_hash(self) -> bytes:
        return merkle.leaf_hash(self.canonical())

    def at(self, seq: int) -> Record:
        return replace(self, seq=seq)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def from_event(event: Event, rule: Rule) -> Record:
    payload = getattr(event, rule.field)
    details = json_format.MessageToDict(payload, preserving_proto_field_name=True)
    resource_id = str(details.get(rule.resource_id_field, ""))
    when = event.time.ToDatetime(tzinfo=UTC) if event.HasField("time") else datetime.now(UTC)
    return Record(
        event_id=event.id,
        tenant_id=event.tenant_id,
        time=when,
        actor_kind=ACTOR_KINDS.get(event.actor.kind, "unknown"),
        actor_id=event.actor.id,
        actor_role=event.actor.role,
        action=event.type,
        resource=f"{rule.resource_kind}:{resource_id}" if resource_id else rule.resource_kind,
        outcome="failure" if event.type in rule.failure_types else "success",
        source_ip=event.source_ip,
        user_agent=event.user_agent,
        request_id=event.request_id,
        details=canonical_json(details),
    )


def from_row(row: Any) -> Record:
    """The record a stored row says (pruned rows cannot be rebuilt: their leaf hash stands)."""
    return Record(
        event_id=str(row.event_id),
        tenant_id=row.tenant_id,
        time=row.time,
        actor_kind=row.actor_kind,
        actor_id=row.actor_id,
        actor_role=row.actor_role,
        action=row.action,
        resource=row.resource,
        outcome=row.outcome,
        source_ip=row.source_ip,
        user_agent=row.user_agent,
        request_id=row.request_id,
        details=row.details or "",
        seq=row.seq,
    )
