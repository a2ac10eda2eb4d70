"""Notifications, outbox emails and templates as the domain sees them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

EMAIL = "email"
IN_APP = "in_app"
CHANNELS = (EMAIL, IN_APP)

# Outbox email states. pending/failed are due for (another) attempt; sending is claimed
# by one deliverer under a lease; the rest are final.
PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
DEAD = "dead"
CANCELLED = "cancelled"
RETRYABLE = (PENDING, FAILED)


@dataclass
class Notification:
    id: str
    tenant_id: str
    recipient_user_id: str | None
    recipient_email: str
    channels: list[str]
    template: str
    subject: str
    body: str
    created_at: datetime
    read_at: datetime | None = None
    deleted_at: datetime | None = None
    email_state: str = ""
    email_attempts: int = 0
    email_last_error: str = ""
    email_sent_at: datetime | None = None


@dataclass(frozen=True)
class OutboxEmail:
    """One email claimed for delivery."""

    id: str
    tenant_id: str
    to_address: str
    subject: str
    body: str
    attempts: int


@dataclass
class TemplateDef:
    name: str
    subject: str
    body: str
    builtin: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    variables: list[str] = field(default_factory=list)
