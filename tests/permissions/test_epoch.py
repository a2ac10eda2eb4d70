"""Every change that can change a decision moves the tenant's permission epoch in Redis, and
a change stands when Redis is down (cached decisions still expire by age)."""

from __future__ import annotations

import uuid

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.permissions.domain import Permissions
from services.permissions.lookup import LookupStore
from services.permissions.parents import ParentStore
from services.permissions.store import PermissionStore
from services.permissions.tree import ResourceTree
from services.runtime import access_epoch
from services.runtime.cache import create_redis
from tests.permissions.test_domain import caller, grant, workspace
from tests.permissions.test_parents import base


async def epoch(redis: Redis, tenant: str) -> int:
    return int(await redis.get(access_epoch.key(tenant)) or 0)


async def test_each_kind_of_change_moves_the_epoch(
    perms: Permissions, tree: ResourceTree, redis: Redis
) -> None:
    tenant, ws, b = str(uuid.uuid4()), workspace(), base()
    service, user = caller("service", tenant), caller("member", tenant)
    assert await epoch(redis, tenant) == 0
    entry = await grant(perms, service, user.user_id, ws, "member")
    assert await epoch(redis, tenant) == 1
    await perms.revoke(service, entry.id)
    assert await epoch(redis, tenant) == 2
    await tree.set_parent(service, b, ws)
    assert await epoch(redis, tenant) == 3
    await tree.set_parent(service, b, ws)  # nothing changed
    assert await epoch(redis, tenant) == 3
    await tree.set_parent(service, b, "")
    assert await epoch(redis, tenant) == 4
    await perms.revoke_resource(service, ws)
    assert await epoch(redis, tenant) == 5
    assert 0 < await redis.ttl(access_epoch.key(tenant)) <= access_epoch.TTL_SECONDS
    # Questions change nothing; neither does another tenant's change.
    await perms.check(user, user.user_id, ws, "read")
    await tree.lookup(user, user.user_id, "base", "read")
    await grant(perms, caller("service", str(uuid.uuid4())), user.user_id, ws, "member")
    assert await epoch(redis, tenant) == 5


async def test_a_change_stands_when_redis_is_down(perms: Permissions, engine: AsyncEngine) -> None:
    down = create_redis("redis://127.0.0.1:1/0")  # nothing listens there
    try:
        offline = Permissions(PermissionStore(engine), down)
        tree = ResourceTree(ParentStore(engine), LookupStore(engine), down)
        tenant, ws, b = str(uuid.uuid4()), workspace(), base()
        service, user = caller("service", tenant), caller("member", tenant)
        entry = await grant(offline, service, user.user_id, ws, "viewer")
        assert await tree.set_parent(service, b, ws) == ""
        assert (await offline.check(user, user.user_id, b, "read")).allowed
        await offline.revoke(service, entry.id)
        assert not (await offline.check(user, user.user_id, b, "read")).allowed
    finally:
        await down.aclose()
