"""A base inside its workspace: the workspace's roles and denies hold on the base, and only
services place it there."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.permissions.domain import Permissions
from services.permissions.parents import ParentStore
from services.permissions.tree import ResourceTree
from services.runtime.errors import InvalidArgument, PermissionDenied
from tests.permissions.test_domain import caller, grant, workspace


def base() -> str:
    return f"base:app{uuid.uuid4().hex[:14]}"


async def placed(tree: ResourceTree, tenant: str) -> tuple[str, str]:
    """A new workspace and a base a service placed inside it."""
    ws, b = workspace(), base()
    assert await tree.set_parent(caller("service", tenant), b, ws) == ""
    return ws, b


async def test_a_workspace_role_holds_on_its_bases(perms: Permissions, tree: ResourceTree) -> None:
    tenant, ws, b = str(uuid.uuid4()), workspace(), base()
    service, member, viewer = (
        caller("service", tenant),
        caller("member", tenant),
        caller("member", tenant),
    )
    await grant(perms, service, member.user_id, ws, "member")
    await grant(perms, service, viewer.user_id, ws, "viewer")
    assert not (await perms.check(member, member.user_id, b, "read")).allowed  # not yet inside

    await tree.set_parent(service, b, ws)

    wrote = await perms.check(member, member.user_id, b, "write")
    assert (
        wrote.allowed
        and wrote.role == "member"
        and wrote.reason == f"role member on {ws} allows write"
    )
    read = await perms.check(viewer, viewer.user_id, b, "read")
    assert read.allowed and read.reason == f"role viewer on {ws} allows read"
    refused = await perms.check(viewer, viewer.user_id, b, "write")
    assert not refused.allowed and refused.role == "viewer" and ws in refused.reason
    assert not (await perms.check(member, member.user_id, b, "delete")).allowed
    # Taken out of the workspace, the base is nobody's again.
    assert await tree.set_parent(service, b, "") == ws
    assert not (await perms.check(member, member.user_id, b, "read")).allowed


async def test_a_deny_on_the_base_or_on_its_workspace_refuses(
    perms: Permissions, tree: ResourceTree
) -> None:
    tenant = str(uuid.uuid4())
    ws, b = await placed(tree, tenant)
    service, user = caller("service", tenant), caller("member", tenant)
    await grant(perms, service, user.user_id, ws, "owner")
    await grant(perms, service, user.user_id, b, "", effect="deny", action="write")
    denied = await perms.check(user, user.user_id, b, "write")
    assert not denied.allowed and "deny" in denied.reason and denied.role == "owner"
    assert (await perms.check(user, user.user_id, b, "read")).allowed
    # A deny on the workspace refuses on the base, even against a role held on the base.
    other = caller("member", tenant)
    await grant(perms, service, other.user_id, b, "owner")
    await grant(perms, service, other.user_id, ws, "", effect="deny", action="*")
    refused = await perms.check(other, other.user_id, b, "read")
    assert not refused.allowed and f"deny entry on {ws}" in refused.reason


async def test_a_role_on_the_base_itself_comes_before_the_workspaces(
    perms: Permissions, tree: ResourceTree
) -> None:
    tenant = str(uuid.uuid4())
    ws, b = await placed(tree, tenant)
    service, user = caller("service", tenant), caller("member", tenant)
    await grant(perms, service, user.user_id, ws, "admin")
    await grant(perms, service, user.user_id, b, "viewer")
    wrote = await perms.check(user, user.user_id, b, "write")
    assert not wrote.allowed and wrote.role == "viewer"
    assert (await perms.check(user, user.user_id, b, "read")).reason == "role viewer allows read"
    assert (await perms.check(user, user.user_id, ws, "write")).allowed


async def test_workspace_admins_manage_entries_on_its_bases(
    perms: Permissions, tree: ResourceTree
) -> None:
    tenant = str(uuid.uuid4())
    ws, b = await placed(tree, tenant)
    service = caller("service", tenant)
    admin, member, owner = (
        caller("member", tenant),
        caller("member", tenant),
        caller("member", tenant),
    )
    await grant(perms, service, admin.user_id, ws, "admin")
    await grant(perms, service, member.user_id, ws, "member")
    await grant(perms, service, owner.user_id, ws, "owner")
    made = await grant(perms, admin, str(uuid.uuid4()), b, "viewer")
    with pytest.raises(PermissionDenied, match="only owners of"):
        await grant(perms, admin, str(uuid.uuid4()), b, "owner")
    await grant(perms, owner, str(uuid.uuid4()), b, "owner")
    with pytest.raises(PermissionDenied):
        await grant(perms, member, str(uuid.uuid4()), b, "viewer")
    # A member reads the base's entries (the read check); only the admin revokes one.
    found, _ = await perms.list_page(
        member, page_size=0, page_token="", subject="", resource=b, resource_type=""
    )
    assert made.id in {p.id for p in found}
    with pytest.raises(PermissionDenied):
        await perms.revoke(member, made.id)
    await perms.revoke(admin, made.id)


async def test_tenant_admins_act_on_placed_bases(perms: Permissions, tree: ResourceTree) -> None:
    """A base nobody holds an entry on is the tenant's once a service placed it."""
    tenant = str(uuid.uuid4())
    ws, b = await placed(tree, tenant)
    admin = caller("admin", tenant)
    assert (await perms.check(admin, admin.user_id, b, "delete")).allowed
    assert (await perms.check(admin, admin.user_id, ws, "read")).allowed  # it has a child
    foreign = caller("admin", str(uuid.uuid4()))
    assert not (await perms.check(foreign, foreign.user_id, b, "read")).allowed
    await grant(perms, caller("service", tenant), admin.user_id, ws, "", effect="deny", action="*")
    assert not (await perms.check(admin, admin.user_id, b, "read")).allowed


async def test_a_parent_in_another_tenant_is_never_seen(
    perms: Permissions, tree: ResourceTree
) -> None:
    home, away = str(uuid.uuid4()), str(uuid.uuid4())
    ws, b = await placed(tree, home)
    user_id = str(uuid.uuid4())
    await grant(perms, caller("service", home), user_id, ws, "owner")
    # The same user id and the same workspace id in another tenant: the base is not inside.
    await grant(perms, caller("service", away), user_id, ws, "owner")
    stranger = caller("member", away, user_id)
    assert not (await perms.check(stranger, user_id, b, "read")).allowed
    assert await tree.lookup(stranger, user_id, "base", "read") == ([], False)
    admin = caller("admin", away)
    assert not (await perms.check(admin, admin.user_id, b, "read")).allowed
    assert await tree.set_parent(caller("service", away), b, "") == ""
    assert (await perms.check(caller("member", home, user_id), user_id, b, "read")).allowed


async def test_set_parent_answers_the_previous_one_and_is_safe_to_repeat(
    tree: ResourceTree, engine: AsyncEngine
) -> None:
    tenant, b, ws1, ws2 = str(uuid.uuid4()), base(), workspace(), workspace()
    service, store = caller("service", tenant), ParentStore(engine)
    assert await tree.set_parent(service, b, ws1) == ""
    assert await tree.set_parent(service, b, ws1) == ws1
    assert await store.children_of(tenant, ws1) == [b]
    assert await tree.set_parent(service, b, ws2) == ws1
    assert await store.children_of(tenant, ws1) == []
    assert await store.parent_of(tenant, b) == ws2
    assert await tree.set_parent(service, b, "") == ws2
    assert await tree.set_parent(service, b, "") == ""
    assert await store.parent_of(tenant, b) == ""


@pytest.mark.parametrize(
    ("resource", "parent", "field", "says"),
    [
        ("", "workspace:w1", "resource", "is required"),
        ("base", "workspace:w1", "resource", "<type>:<id>"),
        ("base:app1", "folder:1", "parent", "must be empty or look like <type>:<id>"),
        ("base:app1", "base:app1", "parent", "cannot be its own parent"),
        ("base:app1", "base:app2", "parent", "only a base inside a workspace"),
        ("workspace:w1", "workspace:w2", "parent", "only a base inside a workspace"),
        ("base:app1", "tenant:t1", "parent", "only a base inside a workspace"),
    ],
)
async def test_set_parent_names_the_bad_field(
    tree: ResourceTree, engine: AsyncEngine, resource: str, parent: str, field: str, says: str
) -> None:
    tenant = str(uuid.uuid4())
    with pytest.raises(InvalidArgument) as err:
        await tree.set_parent(caller("service", tenant), resource, parent)
    assert any(f == field and says in d for f, d in err.value.violations), err.value.violations
    assert await ParentStore(engine).children_of(tenant, parent) == []


@pytest.mark.parametrize("role", ["member", "admin"])
async def test_only_services_place_resources(
    tree: ResourceTree, engine: AsyncEngine, role: str
) -> None:
    tenant, ws, b = str(uuid.uuid4()), workspace(), base()
    with pytest.raises(PermissionDenied, match="only mesh services") as err:
        await tree.set_parent(caller(role, tenant), b, ws)
    assert err.value.reason == "SERVICE_REQUIRED"
    assert await ParentStore(engine).parent_of(tenant, b) == ""


async def test_revoking_a_resource_drops_its_parent_links(
    perms: Permissions, tree: ResourceTree, engine: AsyncEngine
) -> None:
    tenant, store = str(uuid.uuid4()), ParentStore(engine)
    ws, b1 = await placed(tree, tenant)
    b2 = base()
    await tree.set_parent(caller("service", tenant), b2, ws)
    service, user = caller("service", tenant), caller("member", tenant)
    await grant(perms, service, user.user_id, ws, "owner")
    await grant(perms, service, user.user_id, b1, "viewer")

    assert await perms.revoke_resource(service, b1) == 1  # the base's own link goes
    assert await store.parent_of(tenant, b1) == "" and await store.children_of(tenant, ws) == [b2]
    assert await perms.revoke_resource(service, ws) == 1  # the deleted workspace's bases fall out
    assert await store.children_of(tenant, ws) == [] and await store.parent_of(tenant, b2) == ""
    assert not (await perms.check(user, user.user_id, b2, "read")).allowed
