"""What the webhooks service keeps, as plain values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

PENDING, SUCCEEDED, FAILED = "pending", "succeeded", "failed"
# Why the mesh disabled an endpoint.
GONE, FAILING = "gone", "failing"


@dataclass
class Endpoint:
    id: str
    tenant_id: str
    url: str
    description: str = ""
    event_types: list[str] = field(default_factory=list)
    enabled: bool = True
    disabled_reason: str = ""
    creator_user_id: str = ""
    previous_secret_until: datetime | None = None
    failing_since: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass
class Message:
    id: str
    tenant_id: str
    endpoint_id: str
    event_id: str
    event_type: str
    payload: str
    status: str = PENDING
    attempt_count: int = 0
    round_attempts: int = 0
    next_attempt_at: datetime | None = None
    last_error: str = ""
    created_at: datetime | None = None


@dataclass
class Attempt:
    id: str
    message_id: str
    number: int
    response_status: int
    succeeded: bool
    error: str
    latency_ms: int
    response_body: str
    created_at: datetime | None = None
