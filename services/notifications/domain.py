"""What the notifications service does, as plain Python.

Tenant rule: everything is scoped by the caller's tenant; another tenant's notification
is reported as not found, exactly like an id that does not exist. In-app notifications
are private to their recipient: not even an admin marks someone else's as read.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from services.notifications.catalog import Catalog
from services.notifications.mailer import Deliverer, describe, smtp_configured
from services.notifications.model import CHANNELS, EMAIL, IN_APP, PENDING, Notification
from services.notifications.outbox import SENDER_FIRST
from services.notifications.store import NotificationStore
from services.notifications.templates import check_name, render
from services.runtime import pagination
from services.runtime.clock import now
from services.runtime.errors import NotFound, Violations, invalid
from services.runtime.identity import Caller
from services.runtime.validation import check_email, check_uuid, is_uuid

MAX_VARIABLES = 50
MAX_VALUE = 2000
MAX_TEXT = 20_000
MAX_REQUEST_ID = 200


@dataclass
class SendInput:
    channels: list[str]
    recipient_user_id: str = ""
    recipient_email: str = ""
    template: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    subject: str = ""
    body: str = ""
    request_id: str = ""


def check_send(s: SendInput) -> SendInput:
    """The input with normalized ids and address, or every violation at once."""
    v = Violations()
    channels = list(dict.fromkeys(s.channels))
    if not channels:
        v.add("channels", f"at least one is required: {', '.join(CHANNELS)}")
    for channel in channels:
        if channel not in CHANNELS:
            v.add("channels", f"unknown channel {channel[:40]!r}; use {', '.join(CHANNELS)}")
    user_id, email = s.recipient_user_id, s.recipient_email
    if IN_APP in channels or user_id:
        user_id = check_uuid(v, "recipient_user_id", user_id)
    if EMAIL in channels or email:
        email = check_email(v, "recipient_email", email)
    if s.template:
        check_name(v, "template", s.template)
        if s.subject or s.body:
            v.add("template", "give either a template or a subject and body, not both")
    else:
        for name, text in (("subject", s.subject), ("body", s.body)):
            if not text.strip():
                v.add(name, "is required when no template is given")
            elif len(text) > MAX_TEXT:
                v.add(name, f"must be at most {MAX_TEXT} characters")
    if len(s.variables) > MAX_VARIABLES:
        v.add("variables", f"at most {MAX_VARIABLES} are allowed")
    for name, value in s.variables.items():
        if len(value) > MAX_VALUE:
            v.add(f"variables[{name[:40]}]", f"must be at most {MAX_VALUE} characters")
    if len(s.request_id) > MAX_REQUEST_ID:
        v.add("request_id", f"must be at most {MAX_REQUEST_ID} characters")
    v.raise_if_any()
    return SendInput(
        channels, user_id, email, s.template, s.variables, s.subject, s.body, s.request_id
    )


def one_line(text: str) -> str:
    """A subject never spans lines: a newline in a variable must not forge a header."""
    return " ".join(text.split())


class Notifications:
    def __init__(self, store: NotificationStore, catalog: Catalog, deliverer: Deliverer) -> None:
        self.store = store
        self.catalog = catalog
        self.deliverer = deliverer

    async def send(self, caller: Caller, request: SendInput) -> Notification:
        caller.require_admin()
        s = check_send(request)
        tenant = caller.tenant_id
        if s.request_id and (seen := await self.store.by_request_id(tenant, s.request_id)):
            return seen
        subject, body = s.subject, s.body
        if s.template:
            subject, body = render(await self.catalog.resolve(tenant, s.template), s.variables)
        notification = Notification(
            id=str(uuid.uuid4()),
            tenant_id=tenant,
            recipient_user_id=s.recipient_user_id or None,
            recipient_email=s.recipient_email,
            channels=s.channels,
            template=s.template,
            subject=one_line(subject),
            body=body,
            created_at=now(),
            email_state=PENDING if EMAIL in s.channels else "",
        )
        # When this call tries the email itself, a background pass leaves it alone a while.
        tries_now = EMAIL in s.channels and smtp_configured()
        due = notification.created_at + SENDER_FIRST if tries_now else None
        stored = await self.store.insert(notification, s.request_id or None, email_due_at=due)
        if stored is None:  # a concurrent call with the same request_id won
            seen = await self.store.by_request_id(tenant, s.request_id)
            assert seen is not None
            return seen
        if EMAIL in s.channels:
            try:
                await self.deliverer.deliver_notification(notification.id)
            except Exception as exc:  # noqa: BLE001 - it is in the outbox; retried later
                self.deliverer.log.warning("immediate delivery failed", error=describe(exc))
        return await self._get(tenant, notification.id)

    async def _get(self, tenant_id: str, notification_id: str) -> Notification:
        found = await self.store.get(tenant_id, notification_id)
        if found is None:
            raise NotFound(
                f"notification {notification_id} not found", reason="NOTIFICATION_NOT_FOUND"
            )
        return found

    async def list_page(
        self, caller: Caller, *, page_size: int, page_token: str, unread_only: bool
    ) -> tuple[list[Notification], int, str]:
        size = pagination.page_size(page_size)
        fp = pagination.fingerprint(unread_only=unread_only, user=caller.user_id)
        after = pagination.decode_token(page_token, fp)
        if after is not None and (len(after) != 2 or not is_uuid(str(after[1]))):
            raise invalid("page_token", "is not a token this service issued")
        if not is_uuid(caller.user_id):  # a mesh service has no inbox of its own
            return [], 0, ""
        found, unread, last = await self.store.page(
            caller.tenant_id, caller.user_id, unread_only=unread_only, size=size, after=after
        )
        return found, unread, pagination.encode_token(last, fp) if last else ""

    async def mark_read(self, caller: Caller, notification_id: str) -> Notification:
        v = Violations()
        notification_id = check_uuid(v, "notification_id", notification_id)
        v.raise_if_any()
        if not is_uuid(caller.user_id) or not await self.store.mark_read(
            caller.tenant_id, caller.user_id, notification_id, now()
        ):
            raise NotFound(
                f"notification {notification_id} not found", reason="NOTIFICATION_NOT_FOUND"
            )
        return await self._get(caller.tenant_id, notification_id)

    async def delete(self, caller: Caller, notification_id: str, request_id: str) -> None:
        caller.require_admin()
        if bool(notification_id) == bool(request_id):
            raise invalid("notification_id", "give exactly one of notification_id and request_id")
        if request_id:
            if len(request_id) > MAX_REQUEST_ID:
                raise invalid("request_id", f"must be at most {MAX_REQUEST_ID} characters")
            await self.store.tombstone(caller.tenant_id, request_id, now())
            found = await self.store.by_request_id(caller.tenant_id, request_id)
            assert found is not None
            notification_id = found.id
        v = Violations()
        notification_id = check_uuid(v, "notification_id", notification_id)
        v.raise_if_any()
        await self._get(caller.tenant_id, notification_id)
        await self.store.delete(caller.tenant_id, notification_id, now())
