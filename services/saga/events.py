"""Starts user_onboarding for every `user.registered` event on the mesh's event bus.

Only a registration (a new tenant's first admin) is onboarded. A person who accepted an
invitation (`via` "invitation") joins a tenant that already has its workspaces and bases;
giving them a second default workspace and sample base would only clutter it, so their
event is acknowledged without a saga (their admin adds them to workspaces).

The runtime's subscription delivers each event to one orchestrator process of the "saga"
group and acknowledges it once this handler returned, i.e. once the saga is durably in the
log. Starting is idempotent by the event's id (the saga's request_id), so an event
delivered twice starts one saga.
"""

from __future__ import annotations

from redis.asyncio import Redis
from tablemesh.events.v1.events_pb2 import Event

from services.runtime import logs
from services.runtime.errors import DomainError
from services.runtime.subscriptions import Subscription
from services.saga.domain import Sagas

GROUP = "saga"
log = logs.get("saga.events")


def onboarding_input(event: Event) -> dict[str, str]:
    who = event.user_registered
    return {
        "user_id": who.user_id,
        "email": who.email,
        "first_name": who.first_name,
        "last_name": who.last_name,
        "role": who.role,
    }


class Onboarding:
    """The handler of user.registered."""

    def __init__(self, sagas: Sagas) -> None:
        self.sagas = sagas

    async def __call__(self, event: Event) -> None:
        if event.user_registered.via == "invitation":
            return  # joins an existing tenant: nothing to set up (see above)
        try:
            saga = await self.sagas.start_for(
                event.tenant_id, "user_onboarding", onboarding_input(event), f"event:{event.id}"
            )
        except DomainError as exc:
            log.error("user.registered event rejected", event_id=event.id, error=exc.message)
            return
        log.info("onboarding started", event_id=event.id, saga_id=saga.id)


def subscription(redis: Redis, sagas: Sagas, consumer: str) -> Subscription:
    return Subscription(redis, GROUP, consumer, Onboarding(sagas), ["user.registered"])
