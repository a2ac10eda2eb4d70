"""From the event bus to messages: each event of a tenant becomes one pending message per
enabled endpoint of that tenant subscribed to its type. The bus delivers at least once;
a message is unique per (endpoint, event), so a repeated event adds nothing."""

from __future__ import annotations

from tablemesh.events.v1.events_pb2 import Event

from services.runtime.wakeups import Wakeups
from services.webhooks.endpoint_store import EndpointStore
from services.webhooks.message_store import MessageStore

GROUP = "webhooks"


class FanOut:
    def __init__(self, endpoints: EndpointStore, messages: MessageStore, wake: Wakeups) -> None:
        self.endpoints = endpoints
        self.messages = messages
        self.wake = wake

    async def __call__(self, event: Event) -> None:
        if not event.tenant_id or not event.type:
            return
        found = await self.endpoints.subscribed(event.tenant_id, event.type)
        if made := await self.messages.fan_out(event, [e.id for e in found if e.enabled]):
            self.wake.set(made)
