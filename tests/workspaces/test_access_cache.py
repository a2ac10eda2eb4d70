"""The airtable service's cached decisions (runtime.resource_access) against the real
permissions service: a removed member is refused on the next question, and a change whose
announcement was lost is still seen once the decision's age bound has passed."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.permissions.store import entries
from services.runtime.clients import MeshClients
from services.runtime.identity import set_caller
from services.runtime.resource_access import MAX_AGE, ResourceAccess
from services.runtime.tracked_cache import TrackedCache
from services.workspaces.domain import Workspaces
from services.workspaces.members import Bases, Members
from tests.clock import FakeClock
from tests.workspaces.conftest import ActAs, Actors


@pytest.fixture
async def cached(clients: MeshClients, redis: Redis) -> AsyncIterator[ResourceAccess]:
    yield ResourceAccess(clients, TrackedCache(redis))


async def test_a_removed_member_is_refused_on_the_next_question(
    workspaces: Workspaces,
    members: Members,
    bases: Bases,
    actors: Actors,
    act_as: ActAs,
    cached: ResourceAccess,
    engine: AsyncEngine,
    clock: FakeClock,
) -> None:
    tenant = str(uuid.uuid4())
    base_id, member_id = await actors.new_base(tenant), await actors.new_user(tenant)
    admin = await act_as("admin", tenant)
    made = await workspaces.create(admin, {"name": "Cached"}, "")
    await bases.link(admin, made.id, base_id)
    await members.add(admin, made.id, member_id, "member", "")
    member = await act_as("member", tenant, member_id)
    before = await cached.allowed(member, f"base:{base_id}")
    assert (before.role, before.actions) == ("member", frozenset({"read", "write"}))

    set_caller(admin)
    await members.remove(admin, made.id, member_id)
    set_caller(member)
    assert (await cached.allowed(member, f"base:{base_id}")).actions == frozenset()

    # Back in, then out again behind the permissions service's back (as if its
    # announcement to Redis were lost): the cached answer lives MAX_AGE at most.
    set_caller(admin)
    await members.add(admin, made.id, member_id, "viewer", "")
    set_caller(member)
    assert (await cached.allowed(member, f"base:{base_id}")).actions == frozenset({"read"})
    async with engine.begin() as conn:
        await conn.execute(
            entries.update()
            .where(entries.c.tenant_id == tenant, entries.c.subject == member_id)
            .values(revoked_at=sa.func.now())
        )
    assert (await cached.allowed(member, f"base:{base_id}")).actions == frozenset({"read"})
    clock.advance(MAX_AGE + 1)
    assert (await cached.allowed(member, f"base:{base_id}")).actions == frozenset()
