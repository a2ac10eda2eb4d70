"""The users service makes the profile of each registered account from its
user.registered event: once however often the event comes, beside the profile auth asked
for directly, and a refused event is set aside rather than retried forever."""

from __future__ import annotations

import uuid

import pytest
from redis.asyncio import Redis
from tablemesh.events.v1.events_pb2 import Event, UserRegistered

from services.runtime import events
from services.runtime.errors import NotFound
from services.runtime.subscriptions import Subscription
from services.users.domain import Users
from services.users.registrations import Registrations
from tests.event_bus import drain, fresh_stream, publish
from tests.users.conftest import caller


def registered(email: str = "", role: str = "admin") -> Event:
    who = UserRegistered(
        user_id=str(uuid.uuid4()),
        email=email or f"{uuid.uuid4().hex[:8]}@example.com",
        role=role,
        first_name="Ada",
        last_name="Lovelace",
        via="register",
    )
    return events.new_event("user.registered", str(uuid.uuid4()), "auth", user_registered=who)


def consumer(redis: Redis, users: Users, stream: str) -> Subscription:
    handler = Registrations(users)
    return Subscription(
        redis, "users", "c1", handler, ["user.registered"], block_ms=10, stream=stream
    )


async def test_the_event_makes_the_profile_once(users: Users, redis: Redis) -> None:
    stream = fresh_stream()
    event = registered()
    who = event.user_registered
    await publish(redis, stream, event, event)  # the relay published it twice
    await drain(consumer(redis, users, stream))
    profile = await users.get(caller("member", event.tenant_id), who.user_id)
    assert (profile.email, profile.role, profile.display_name) == (
        who.email,
        "admin",
        "Ada Lovelace",
    )
    assert (await redis.xpending(stream, "users"))["pending"] == 0


async def test_after_auth_made_the_profile_the_event_makes_nothing_new(
    users: Users,
    redis: Redis,
) -> None:
    stream = fresh_stream()
    event = registered()
    who = event.user_registered
    fields = {"id": who.user_id, "email": who.email, "first_name": "Ada", "last_name": "L"}
    made = await users.create(caller("service", event.tenant_id), fields, "", who.user_id)
    await publish(redis, stream, event)
    await drain(consumer(redis, users, stream))
    again = await users.get(caller("member", event.tenant_id), who.user_id)
    assert again.created_at == made.created_at and again.last_name == "L"


async def test_a_refused_event_is_acknowledged_not_retried(users: Users, redis: Redis) -> None:
    stream = fresh_stream()
    event = registered(email="not an email")
    await publish(redis, stream, event)
    await drain(consumer(redis, users, stream))
    assert (await redis.xpending(stream, "users"))["pending"] == 0
    with pytest.raises(NotFound):
        await users.get(caller("member", event.tenant_id), event.user_registered.user_id)
