"""Bad input and tenant isolation at the saga API, and the user.registered trigger:
auth's outbox relayed to the event bus, and the saga service's subscription."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.events.v1.events_pb2 import UserRegistered

from services.auth.store import emit, outbox
from services.runtime import events
from services.runtime.db import migrate
from services.runtime.errors import InvalidArgument, NotFound, PermissionDenied
from services.runtime.events import STREAM
from services.saga.app import SagaApp
from services.saga.events import GROUP, Onboarding
from services.saga.store import sagas
from tests.saga.test_engine import admin, finished, person


async def count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(sagas))).scalar_one())


@pytest.mark.parametrize(
    ("type_", "data", "field"),
    [
        ("", person(), "type"),
        ("make_coffee", person(), "type"),
        ("user_onboarding", None, "input"),
        ("user_onboarding", {**person(), "user_id": "42"}, "input.user_id"),
        ("user_onboarding", {**person(), "email": "nope"}, "input.email"),
        ("user_onboarding", {**person(), "first_name": 7}, "input.first_name"),
        ("airtable_integration", {"user_id": str(uuid.uuid4())}, "input.base_id"),
    ],
)
async def test_bad_input_stores_nothing(
    app: SagaApp, engine: AsyncEngine, type_: str, data: dict | None, field: str
) -> None:
    before = await count(engine)
    with pytest.raises(InvalidArgument) as error:
        await app.sagas.start(admin(str(uuid.uuid4())), type_, data, "")
    assert field in [f for f, _ in error.value.violations]
    assert await count(engine) == before


async def test_other_tenants_and_members(app: SagaApp) -> None:
    owner = admin(str(uuid.uuid4()))
    saga = await app.sagas.start(owner, "user_onboarding", person(), "")
    stranger = admin(str(uuid.uuid4()))
    for action in (app.sagas.get, app.sagas.cancel):
        with pytest.raises(NotFound):
            await action(stranger, saga.id)
    with pytest.raises(NotFound):
        await app.sagas.get(owner, "not-a-uuid")
    member = dataclasses.replace(admin(owner.tenant_id), role="member")
    with pytest.raises(PermissionDenied):
        await app.sagas.start(member, "user_onboarding", person(), "")
    assert (await app.sagas.get(member, saga.id)).id == saga.id
    listed, _ = await app.sagas.list_page(stranger, 0, "", "", "")
    assert saga.id not in [s.id for s in listed]
    await finished(app, saga.id)


@pytest.mark.realtime  # a 5 s polling budget
async def test_user_registered_flows_from_outbox_to_one_saga(
    app: SagaApp, engine: AsyncEngine, redis: Redis, database_url: str
) -> None:
    migrate("auth", database_url)
    await redis.delete(STREAM)
    user = person()
    tenant = str(uuid.uuid4())
    registered = UserRegistered(
        **{k: user[k] for k in ("user_id", "email", "first_name", "last_name")},
        role="admin",
        via="register",
    )
    event = events.new_event("user.registered", tenant, "auth", user_registered=registered)
    async with engine.begin() as conn:
        await emit(conn, event)
    # This relay publishes it, or one of an auth service running in this session got there
    # first (it LISTENs for the commit); FOR UPDATE waits for that one's commit.
    await events.publish_batch(engine, redis, outbox)
    async with engine.begin() as conn:
        stamped = await conn.execute(
            sa.select(outbox.c.published_at).where(outbox.c.event_id == event.id).with_for_update()
        )
        assert stamped.scalar_one() is not None
    # Published twice (a relay crash before its commit): still one saga.
    entries: Any = await redis.xrange(STREAM)
    mine = [f for _, f in entries if f["id"] == event.id]
    await redis.xadd(STREAM, mine[0])
    await app.events.ensure_group()
    while await app.events.poll_once():
        pass
    found = await app.sagas.store.by_request(tenant, f"event:{event.id}")
    assert found is not None and found.input["user_id"] == user["user_id"]
    assert (await redis.xpending(STREAM, GROUP))["pending"] == 0
    listed, _ = await app.sagas.list_page(admin(tenant), 0, "", "user_onboarding", "")
    assert len(listed) == 1
    await finished(app, found.id)


async def test_an_accepted_invitation_starts_no_onboarding(app: SagaApp) -> None:
    tenant = str(uuid.uuid4())
    joined = UserRegistered(
        user_id=str(uuid.uuid4()), email="m@example.com", role="member", via="invitation"
    )
    event = events.new_event("user.registered", tenant, "auth", user_registered=joined)
    await Onboarding(app.sagas)(event)
    assert await app.sagas.store.by_request(tenant, f"event:{event.id}") is None
    listed, _ = await app.sagas.list_page(admin(tenant), 0, "", "", "")
    assert listed == []
