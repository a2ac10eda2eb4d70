"""What the webhooks API does: endpoints of the caller's tenant, managed by its admins
only; their messages listed, replayed and recovered. The tenant and the creator always
come from the caller, never from the request."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable
from datetime import datetime, timedelta

from services.runtime import clock, pagination
from services.runtime.errors import NotFound, PermissionDenied, invalid
from services.runtime.identity import Caller
from services.runtime.keyset import Key
from services.runtime.validation import check_update_mask, is_uuid
from services.runtime.wakeups import Wakeups
from services.webhooks import destinations, event_types, signing
from services.webhooks import model as m
from services.webhooks.checks import FIELDS, check_endpoint
from services.webhooks.endpoint_store import EndpointStore
from services.webhooks.message_store import MessageStore

RECOVER_MAX = timedelta(days=30)
STATUSES = (m.PENDING, m.SUCCEEDED, m.FAILED)


def _admin(caller: Caller) -> None:
    # Endpoints send the tenant's data out of the mesh: its admins alone decide where.
    if not caller.is_admin:
        raise PermissionDenied(
            "webhooks are managed by the tenant's admins", reason="ADMIN_REQUIRED"
        )


def not_found(endpoint_id: str) -> NotFound:
    return NotFound(f"webhook endpoint {endpoint_id[:60]} not found", reason="ENDPOINT_NOT_FOUND")


def message_not_found(msg_id: str) -> NotFound:
    return NotFound(f"webhook message {msg_id[:60]} not found", reason="MESSAGE_NOT_FOUND")


class Webhooks:
    def __init__(
        self,
        endpoints: EndpointStore,
        messages: MessageStore,
        sealer: signing.Sealer,
        allowed: destinations.Allowed,
        overlap: timedelta,
        wake: Wakeups,
    ) -> None:
        self.endpoints = endpoints
        self.messages = messages
        self.sealer = sealer
        self.allowed = allowed
        self.overlap = overlap
        self.wake = wake

    async def create(self, caller: Caller, ep: m.Endpoint) -> tuple[m.Endpoint, str]:
        _admin(caller)
        ep = dataclasses.replace(
            ep,
            id=str(uuid.uuid4()),
            tenant_id=caller.tenant_id,
            creator_user_id=caller.user_id,
            disabled_reason="",
            previous_secret_until=None,
            failing_since=None,
        )
        await check_endpoint(ep, self.allowed, "endpoint")
        secret = signing.new_secret()
        return await self.endpoints.create(ep, self.sealer.seal(ep.id, secret)), secret

    async def get(self, caller: Caller, endpoint_id: str) -> m.Endpoint:
        _admin(caller)
        found = (
            await self.endpoints.get(caller.tenant_id, endpoint_id)
            if is_uuid(endpoint_id)
            else None
        )
        if found is None:
            raise not_found(endpoint_id)
        return found

    async def list_page(
        self, caller: Caller, page_size: int, token: str
    ) -> tuple[list[m.Endpoint], str]:
        _admin(caller)

        def fetch(size: int, after: Key | None) -> Awaitable[tuple[list[m.Endpoint], Key | None]]:
            return self.endpoints.page(caller.tenant_id, size, after)

        return await pagination.paged(fetch, page_size, token, what="webhook-endpoints")

    async def update(self, caller: Caller, changes: m.Endpoint, mask: list[str]) -> m.Endpoint:
        _admin(caller)
        check_update_mask(mask, FIELDS)
        ep = await self.get(caller, changes.id)
        for name in mask:
            setattr(ep, name, getattr(changes, name))
        await check_endpoint(ep, self.allowed, "endpoint")
        changed = await self.endpoints.update(ep, list(dict.fromkeys(mask)))
        if changed.enabled:
            self.wake.set()  # its waiting messages may go now
        return changed

    async def delete(self, caller: Caller, endpoint_id: str) -> None:
        await self.endpoints.delete(await self.get(caller, endpoint_id))

    async def rotate(self, caller: Caller, endpoint_id: str) -> tuple[m.Endpoint, str]:
        ep = await self.get(caller, endpoint_id)
        secret = signing.new_secret()
        until = clock.now() + self.overlap
        return await self.endpoints.rotate(ep, self.sealer.seal(ep.id, secret), until), secret

    def event_types(self, caller: Caller) -> list[str]:
        _admin(caller)
        return list(event_types.known())

    async def messages_page(
        self, caller: Caller, endpoint_id: str, status: str, page_size: int, token: str
    ) -> tuple[list[m.Message], str]:
        ep = await self.get(caller, endpoint_id)

        def fetch(size: int, after: Key | None) -> Awaitable[tuple[list[m.Message], Key | None]]:
            return self.messages.page(ep.id, status, size, after)

        filters = {"what": "webhook-messages", "e": ep.id, "s": status}
        return await pagination.paged(fetch, page_size, token, **filters)

    async def attempts(self, caller: Caller, endpoint_id: str, msg_id: str) -> list[m.Attempt]:
        ep = await self.get(caller, endpoint_id)
        found = await self.messages.attempts_of(ep.id, msg_id[:100])
        if found is None:
            raise message_not_found(msg_id)
        return found

    async def replay(self, caller: Caller, endpoint_id: str, msg_id: str) -> m.Message:
        ep = await self.get(caller, endpoint_id)
        found = await self.messages.replay(ep.id, msg_id[:100])
        if found is None:
            raise message_not_found(msg_id)
        self.wake.set()
        return found

    async def recover(self, caller: Caller, endpoint_id: str, since: datetime | None) -> int:
        ep = await self.get(caller, endpoint_id)
        now = clock.now()
        if since is None:
            raise invalid("since", "is required")
        if since > now:
            raise invalid("since", "must not be in the future")
        if since < now - RECOVER_MAX:
            raise invalid("since", f"must be at most {RECOVER_MAX.days} days ago")
        count = await self.messages.recover(ep.id, since)
        self.wake.set()
        return count
