"""The API's webhook messages to the domain's and back."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp
from tablemesh.webhooks.v1 import webhooks_service_pb2 as pb

from services.runtime.errors import invalid
from services.runtime.wire import timestamp
from services.webhooks import model as m

STATUS_PB = {
    m.PENDING: pb.MESSAGE_STATUS_PENDING,
    m.SUCCEEDED: pb.MESSAGE_STATUS_SUCCEEDED,
    m.FAILED: pb.MESSAGE_STATUS_FAILED,
}
STATUS = {v: k for k, v in STATUS_PB.items()}


def endpoint_of(message: pb.Endpoint) -> m.Endpoint:
    return m.Endpoint(
        id=message.id,
        tenant_id="",
        url=message.url.strip(),
        description=message.description,
        event_types=list(message.event_types),
        enabled=message.enabled,
    )


def endpoint_pb(ep: m.Endpoint) -> pb.Endpoint:
    return pb.Endpoint(
        id=ep.id,
        url=ep.url,
        description=ep.description,
        event_types=ep.event_types,
        enabled=ep.enabled,
        disabled_reason=ep.disabled_reason,
        previous_secret_expire_time=timestamp(ep.previous_secret_until),
        creator_user_id=ep.creator_user_id,
        create_time=timestamp(ep.created_at),
        update_time=timestamp(ep.updated_at),
    )


def message_pb(msg: m.Message) -> pb.Message:
    return pb.Message(
        id=msg.id,
        endpoint_id=msg.endpoint_id,
        event_id=msg.event_id,
        event_type=msg.event_type,
        status=STATUS_PB[msg.status],
        attempt_count=msg.attempt_count,
        next_attempt_time=timestamp(msg.next_attempt_at if msg.status == m.PENDING else None),
        last_error=msg.last_error,
        create_time=timestamp(msg.created_at),
        payload=msg.payload,
    )


def attempt_pb(a: m.Attempt) -> pb.Attempt:
    return pb.Attempt(
        id=a.id,
        message_id=a.message_id,
        number=a.number,
        response_status=a.response_status,
        succeeded=a.succeeded,
        error=a.error,
        latency_ms=a.latency_ms,
        response_body=a.response_body,
        create_time=timestamp(a.created_at),
    )


def status_of(value: int) -> str:
    """The filter's status ("" for all); an unknown number is refused."""
    if value == pb.MESSAGE_STATUS_UNSPECIFIED:
        return ""
    if value not in STATUS:
        raise invalid("status", "must be MESSAGE_STATUS_PENDING, _SUCCEEDED or _FAILED")
    return STATUS[value]


def time_of(request: pb.RecoverMessagesRequest) -> datetime | None:
    if not request.HasField("since"):
        return None
    stamp: Timestamp = request.since
    try:
        return stamp.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise invalid("since", "is not a valid time") from None
