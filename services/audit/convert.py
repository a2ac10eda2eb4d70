"""Stored rows and domain values to the audit proto's messages."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from google.protobuf import json_format, struct_pb2
from tablemesh.audit.v1 import audit_service_pb2 as pb

from services.audit.filters import Filters
from services.audit.signing import TreeHead
from services.runtime.wire import timestamp


def entry(row: Any) -> pb.AuditEntry:
    details = struct_pb2.Struct()
    if row.details:
        details.update(json.loads(row.details))
    return pb.AuditEntry(
        sequence=row.seq,
        time=timestamp(row.time),
        tenant_id=row.tenant_id,
        actor=pb.AuditActor(kind=row.actor_kind, id=row.actor_id, role=row.actor_role),
        action=row.action,
        resource=row.resource,
        outcome=row.outcome,
        source_ip=row.source_ip,
        user_agent=row.user_agent,
        request_id=row.request_id,
        event_id=str(row.event_id),
        details=details,
        leaf_hash=bytes(row.leaf_hash).hex(),
        pruned=row.pruned,
    )


def json_line(row: Any) -> bytes:
    # Every field, defaults included: a line stands alone (sequence 0, outcome "").
    text = json_format.MessageToJson(
        entry(row),
        indent=None,
        preserving_proto_field_name=True,
        always_print_fields_with_no_presence=True,
    )
    return text.encode() + b"\n"


def tree_head(head: TreeHead) -> pb.SignedTreeHead:
    return pb.SignedTreeHead(
        tree_size=head.tree_size,
        root_hash=head.root_hash.hex(),
        time=timestamp(head.signed_at),
        signature=base64.b64encode(head.signature).decode(),
        public_key=base64.b64encode(head.public_key).decode(),
    )


def filters(request: Any) -> Filters:
    def when(name: str) -> datetime | None:
        if not request.HasField(name):
            return None
        return getattr(request, name).ToDatetime(tzinfo=UTC)  # type: ignore[no-any-return]

    return Filters(
        actor_id=request.actor_id.strip(),
        action=request.action.strip(),
        resource=request.resource.strip(),
        outcome=request.outcome.strip(),
        start=when("start_time"),
        end=when("end_time"),
    )
