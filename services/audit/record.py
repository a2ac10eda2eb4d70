"""An audit entry as it is hashed: the fields an admin reads, in one canonical form.

The leaf of the Merkle tree is SHA-256(0x00 || canonical bytes). The canonical bytes are
the fields an entry keeps for ever (its sequence number included, so moving an entry
changes its hash; tenant, time, actor kind, action, outcome) plus `dropped`: the SHA-256
of the fields retention drops (who exactly, the resource, addresses, request id, details),
all as JSON with sorted keys and no spaces. The digest is stored beside the entry, so a
pruned entry is still rebuilt and checked from what it keeps: editing its tenant, time,
action or outcome changes its hash, pruned or not. `details` is kept as the same JSON
text in the database, so the bytes hashed at append time can be rebuilt from the row.
"""

from __future__ import annotations

import hashlib
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
# What retention drops from an entry (log.prune); the rest stays for ever.
DROPPED = ("actor_id", "actor_role", "resource", "source_ip", "user_agent", "request_id", "details")


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

    def dropped_digest(self) -> str:
        """The SHA-256 (hex) of the fields retention drops."""
        dropped = {name: getattr(self, name) for name in DROPPED}
        return hashlib.sha256(canonical_json(dropped).encode()).hexdigest()

    def canonical(self, dropped_digest: str | None = None) -> bytes:
        """The hashed bytes; a pruned entry passes its stored digest of what it lost."""
        fields: dict[str, Any] = {k: v for k, v in asdict(self).items() if k not in DROPPED}
        fields["time"] = self.time.astimezone(UTC).isoformat()
        fields["dropped"] = dropped_digest or self.dropped_digest()
        return canonical_json(fields).encode()

    def leaf_hash(self, dropped_digest: str | None = None) -> bytes:
        return merkle.leaf_hash(self.canonical(dropped_digest))

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
    """The record a stored row says (a pruned row's dropped fields are empty: its stored
    dropped_digest stands for them)."""
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
