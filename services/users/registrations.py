"""Makes the profile of every account auth registers, from its `user.registered` event.

Auth writes the credential and the event in one local transaction and holds no transaction
across a call to this service. It then asks for the profile at once (CreateUser, keyed by
the user id), so that `GET /api/v1/users/me` answers as soon as Register has returned; this
handler is what makes the profile exist even when that call failed (this service was
down, the answer was lost): the event is delivered until a handler returned. Both make the
profile with the same request id, so whichever comes second finds it and makes nothing.
"""

from __future__ import annotations

from redis.asyncio import Redis
from tablemesh.events.v1.events_pb2 import Event

from services.runtime import logs
from services.runtime.errors import DomainError
from services.runtime.identity import SERVICE_ROLE, Caller
from services.runtime.subscriptions import Subscription
from services.users.domain import Users

GROUP = "users"
log = logs.get("users.registrations")


class Registrations:
    """The handler of user.registered."""

    def __init__(self, users: Users) -> None:
        self.users = users

    async def __call__(self, event: Event) -> None:
        who = event.user_registered
        caller = Caller("users", event.tenant_id, SERVICE_ROLE, "", "", 0, "")
        fields = {
            "id": who.user_id,
            "email": who.email,
            "first_name": who.first_name,
            "last_name": who.last_name,
            "role": who.role,
        }
        try:
            await self.users.create(caller, fields, event.tenant_id, request_id=who.user_id)
        except DomainError as exc:
            # A refusal is final (a retry would be refused again): logged, not retried.
            # Anything else (the database away) raises, and the event comes again.
            log.error("profile not made", event_id=event.id, user_id=who.user_id, error=exc.message)


def subscription(redis: Redis, users: Users, consumer: str) -> Subscription:
    return Subscription(redis, GROUP, consumer, Registrations(users), ["user.registered"])
