"""LookupResources: the resources of a type a subject may act on, direct and through their
workspace, less the denied ones; the same answers as Check, in one query."""

from __future__ import annotations

import uuid

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.permissions.domain import Permissions
from services.permissions.lookup import LookupStore
from services.permissions.model import ACTIONS
from services.permissions.parents import ParentStore
from services.permissions.tree import ResourceTree
from services.runtime.errors import InvalidArgument, PermissionDenied
from tests.permissions.test_domain import caller, grant, workspace
from tests.permissions.test_parents import base


async def test_direct_and_inherited_less_the_denied(perms: Permissions, tree: ResourceTree) -> None:
    tenant = str(uuid.uuid4())
    service, user = caller("service", tenant), caller("member", tenant)
    me = user.user_id
    ws1, ws2, ws3, ws4 = (workspace() for _ in range(4))
    b1, b2, b3, b4, b5, b6, b7 = (base() for _ in range(7))
    for child, parent in ((b1, ws1), (b2, ws1), (b4, ws2), (b5, ws3), (b7, ws4)):
        await tree.set_parent(service, child, parent)
    await grant(perms, service, me, ws1, "owner")  # b1, b2 inside
    await grant(perms, service, me, b2, "", effect="deny", action="write")
    await grant(perms, service, me, b3, "viewer")  # no parent
    await grant(perms, service, me, ws2, "member")
    await grant(perms, service, me, b4, "viewer")  # its own role comes first
    await grant(perms, service, me, ws3, "member")
    await grant(perms, service, me, ws3, "", effect="deny", action="*")  # b5 inside
    gone = await grant(perms, service, me, ws4, "owner")  # b7 inside, revoked
    await perms.revoke(service, gone.id)
    await grant(perms, service, str(uuid.uuid4()), b6, "owner")  # someone else's

    assert await tree.lookup(user, me, "base", "read") == (sorted([b1, b2, b3, b4]), False)
    assert await tree.lookup(user, me, "base", "write") == ([b1], False)
    assert await tree.lookup(user, me, "base", "delete") == (sorted([b1, b2]), False)
    assert await tree.lookup(user, me, "workspace", "write") == (sorted([ws1, ws2]), False)
    assert await tree.lookup(user, me, "tenant", "read") == ([], False)
    # Each answer is what Check says, resource by resource.
    for action in ACTIONS:
        found, _ = await tree.lookup(user, me, "base", action)
        for b in (b1, b2, b3, b4, b5, b6, b7):
            decision = await perms.check(user, me, b, action)
            assert (b in found) == decision.allowed, (b, action, decision.reason)


async def test_users_look_up_only_themselves(perms: Permissions, tree: ResourceTree) -> None:
    tenant, ws = str(uuid.uuid4()), workspace()
    other = str(uuid.uuid4())
    await grant(perms, caller("service", tenant), other, ws, "viewer")
    with pytest.raises(PermissionDenied, match="other users"):
        await tree.lookup(caller("member", tenant), other, "workspace", "read")
    for role in ("admin", "service"):
        assert await tree.lookup(caller(role, tenant), other, "workspace", "read") == ([ws], False)


async def test_tenant_admins_get_only_what_their_entries_say(
    perms: Permissions, tree: ResourceTree
) -> None:
    tenant, ws = str(uuid.uuid4()), workspace()
    await grant(perms, caller("service", tenant), str(uuid.uuid4()), ws, "owner")
    admin = caller("admin", tenant)
    assert (await perms.check(admin, admin.user_id, ws, "read")).allowed
    assert await tree.lookup(admin, admin.user_id, "workspace", "read") == ([], False)


async def test_bad_input_names_every_field(tree: ResourceTree) -> None:
    service = caller("service", str(uuid.uuid4()))
    with pytest.raises(InvalidArgument) as err:
        await tree.lookup(service, "me", "folder", "fly")
    assert {f for f, _ in err.value.violations} == {"subject", "resource_type", "action"}
    with pytest.raises(InvalidArgument, match="resource_type: is required"):
        await tree.lookup(service, str(uuid.uuid4()), "", "read")


async def test_more_than_the_cap_is_truncated(
    perms: Permissions, engine: AsyncEngine, redis: Redis
) -> None:
    capped = ResourceTree(ParentStore(engine), LookupStore(engine), redis, limit=3)
    tenant, ws = str(uuid.uuid4()), workspace()
    service, user = caller("service", tenant), caller("member", tenant)
    await grant(perms, service, user.user_id, ws, "viewer")
    bases = [base() for _ in range(3)]
    for b in bases:
        await capped.set_parent(service, b, ws)
    assert await capped.lookup(user, user.user_id, "base", "read") == (sorted(bases), False)
    await capped.set_parent(service, base(), ws)
    found, truncated = await capped.lookup(user, user.user_id, "base", "read")
    assert len(found) == 3 and truncated
