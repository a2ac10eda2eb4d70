"""Workspaces against real PostgreSQL and the real services it calls, over gRPC."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from services.runtime.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
)
from services.runtime.identity import set_caller
from services.workspaces.domain import Workspaces
from services.workspaces.members import Bases, Members
from services.workspaces.store import workspaces as workspaces_table
from tests.workspaces.conftest import ActAs, Actors


async def rows(engine: AsyncEngine, tenant: str) -> int:
    query = (
        sa.select(sa.func.count())
        .select_from(workspaces_table)
        .where(workspaces_table.c.tenant_id == tenant)
    )
    async with engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one())


async def test_saga_retry_returns_the_first_workspace(
    workspaces: Workspaces, members: Members, engine: AsyncEngine, act_as: ActAs
) -> None:
    tenant, owner = str(uuid.uuid4()), str(uuid.uuid4())
    saga = await act_as("service", tenant)
    fields = {"name": "Ada's workspace", "owner_user_id": owner}
    first = await workspaces.create(saga, fields, "saga-7:create_workspace")
    again = await workspaces.create(saga, fields, "saga-7:create_workspace")
    assert again.id == first.id and first.owner_user_id == owner
    assert await rows(engine, tenant) == 1
    found, _ = await members.list_page(saga, first.id, 0, "")
    assert [(m.user_id, m.role) for m in found] == [(owner, "owner")]
    me = await act_as("member", tenant, owner)
    assert (await workspaces.get(me, first.id)).name == "Ada's workspace"


async def test_repeated_delete_succeeds(
    workspaces: Workspaces, members: Members, act_as: ActAs
) -> None:
    tenant, owner = str(uuid.uuid4()), str(uuid.uuid4())
    saga = await act_as("service", tenant)
    made = await workspaces.create(saga, {"name": "W", "owner_user_id": owner}, "k1")
    await workspaces.delete(saga, made.id)
    await workspaces.delete(saga, made.id)
    await workspaces.delete(saga, str(uuid.uuid4()))
    with pytest.raises(NotFound):
        await workspaces.get(saga, made.id)
    # The owner's role went with the workspace.
    owner_caller = await act_as("member", tenant, owner)
    assert await workspaces.access.workspace_ids_of(owner_caller.user_id) == []
    # A late retry of the create returns the (deleted) first workspace, creating nothing.
    saga = await act_as("service", tenant)
    late = await workspaces.create(saga, {"name": "W", "owner_user_id": owner}, "k1")
    assert late.id == made.id and late.deleted_at is not None


async def test_other_tenant_sees_not_found(workspaces: Workspaces, act_as: ActAs) -> None:
    tenant = str(uuid.uuid4())
    made = await workspaces.create(await act_as("member", tenant), {"name": "Mine"}, "")
    stranger = await act_as("admin", str(uuid.uuid4()))
    with pytest.raises(NotFound):
        await workspaces.get(stranger, made.id)
    with pytest.raises(NotFound):
        await workspaces.update(stranger, made.id, {"name": "x"}, ["name"])
    await workspaces.delete(stranger, made.id)  # unknown in its tenant: a no-op
    owner = await act_as("member", tenant, made.owner_user_id)
    assert (await workspaces.get(owner, made.id)).deleted_at is None


async def test_role_rules(
    workspaces: Workspaces, members: Members, bases: Bases, actors: Actors, act_as: ActAs
) -> None:
    tenant = str(uuid.uuid4())
    base_id = await actors.new_base(tenant)
    viewer_id, member_id, admin_id, other_id = [await actors.new_user(tenant) for _ in range(4)]
    owner = await act_as("member", tenant)
    made = await workspaces.create(owner, {"name": "Team"}, "")
    await members.add(owner, made.id, viewer_id, "viewer", "")
    await members.add(owner, made.id, member_id, "member", "")
    await members.add(owner, made.id, admin_id, "admin", "")

    viewer = await act_as("member", tenant, viewer_id)
    assert (await workspaces.get(viewer, made.id)).name == "Team"
    with pytest.raises(PermissionDenied, match="viewer"):
        await workspaces.update(viewer, made.id, {"name": "x"}, ["name"])
    with pytest.raises(PermissionDenied):
        await bases.link(viewer, made.id, base_id)

    member = await act_as("member", tenant, member_id)
    with pytest.raises(PermissionDenied):  # linking hands out roles: admins only
        await bases.link(member, made.id, base_id)
    with pytest.raises(PermissionDenied):
        await members.add(member, made.id, other_id, "viewer", "")

    admin = await act_as("member", tenant, admin_id)
    with pytest.raises(NotFound):  # a base in no workspace is the tenant admins' alone
        await bases.link(admin, made.id, base_id)
    await bases.link(await act_as("admin", tenant), made.id, base_id)
    set_caller(admin)
    assert (await bases.link(admin, made.id, base_id)).base_id == base_id  # now theirs
    renamed = await workspaces.update(admin, made.id, {"name": "Team 2"}, ["name"])
    assert renamed.name == "Team 2"
    changed = await members.update_role(admin, made.id, viewer_id, "member")
    assert changed.role == "member"
    with pytest.raises(PermissionDenied):
        await members.update_role(admin, made.id, member_id, "owner")
    with pytest.raises(PermissionDenied):
        await workspaces.delete(admin, made.id)

    outsider = await act_as("member", tenant)
    with pytest.raises(NotFound):
        await workspaces.get(outsider, made.id)
    tenant_admin = await act_as("admin", tenant)
    assert (await workspaces.get(tenant_admin, made.id)).id == made.id

    listed, _ = await workspaces.list_page(await act_as("member", tenant, member_id), 0, "")
    assert [w.id for w in listed] == [made.id]
    set_caller(outsider)  # the token the mesh client sends is the current caller's
    assert await workspaces.list_page(outsider, 0, "") == ([], "")


async def test_last_owner_stays(workspaces: Workspaces, members: Members, act_as: ActAs) -> None:
    tenant = str(uuid.uuid4())
    owner = await act_as("member", tenant)
    made = await workspaces.create(owner, {"name": "Solo"}, "")
    with pytest.raises(FailedPrecondition, match="last owner"):
        await members.remove(owner, made.id, owner.user_id)
    with pytest.raises(FailedPrecondition):
        await members.update_role(owner, made.id, owner.user_id, "viewer")
    await members.remove(owner, made.id, str(uuid.uuid4()))  # not a member: fine
    with pytest.raises(NotFound):
        await members.update_role(owner, made.id, str(uuid.uuid4()), "viewer")


async def test_bases_link_and_unlink(
    workspaces: Workspaces, bases: Bases, actors: Actors, act_as: ActAs
) -> None:
    tenant = str(uuid.uuid4())
    one, two = await actors.new_base(tenant), await actors.new_base(tenant)
    owner = await act_as("admin", tenant)
    made = await workspaces.create(owner, {"name": "B"}, "")
    for base in (one, two, one):
        await bases.link(owner, made.id, base)
    first, token = await bases.list_page(owner, made.id, 1, "")
    rest, end = await bases.list_page(owner, made.id, 1, token)
    assert [b.base_id for b in first + rest] == [one, two]
    assert end == ""
    await bases.unlink(owner, made.id, one)
    await bases.unlink(owner, made.id, one)
    assert [b.base_id for b in (await bases.list_page(owner, made.id, 0, ""))[0]] == [two]


async def test_bad_input_names_fields_and_stores_nothing(
    workspaces: Workspaces, members: Members, bases: Bases, engine: AsyncEngine, act_as: ActAs
) -> None:
    tenant = str(uuid.uuid4())
    saga = await act_as("service", tenant)
    with pytest.raises(InvalidArgument) as err:
        await workspaces.create(saga, {"name": " ", "owner_user_id": "bob", "id": "x"}, "r" * 300)
    fields = {f for f, _ in err.value.violations}
    assert fields == {"workspace.name", "workspace.owner_user_id", "workspace.id", "request_id"}
    user = await act_as("member", tenant)
    with pytest.raises(InvalidArgument, match="only mesh services"):
        await workspaces.create(user, {"name": "x", "owner_user_id": str(uuid.uuid4())}, "")
    with pytest.raises(InvalidArgument, match="workspace.description"):
        await workspaces.create(user, {"name": "x", "description": "d" * 1001}, "")
    assert await rows(engine, tenant) == 0
    made = await workspaces.create(user, {"name": "Kept"}, "")
    with pytest.raises(InvalidArgument, match="owner_user_id cannot be changed"):
        await workspaces.update(user, made.id, {}, ["owner_user_id"])
    with pytest.raises(InvalidArgument, match="unknown field"):
        await workspaces.update(user, made.id, {}, ["colour"])
    with pytest.raises(InvalidArgument, match="base_id"):
        await bases.link(user, made.id, "app123")
    with pytest.raises(InvalidArgument) as err:
        await members.add(user, made.id, "nobody", "king", "")
    assert {f for f, _ in err.value.violations} == {"user_id", "role"}
    with pytest.raises(InvalidArgument, match="workspace_id"):
        await workspaces.get(user, "not-a-uuid")
    with pytest.raises(InvalidArgument, match="page_size"):
        await workspaces.list_page(user, 1000, "")
    assert (await workspaces.get(user, made.id)).name == "Kept"
    found, _ = await members.list_page(user, made.id, 0, "")
    assert len(found) == 1


async def test_viewers_cannot_create_workspaces(
    workspaces: Workspaces, engine: AsyncEngine, act_as: ActAs
) -> None:
    tenant = str(uuid.uuid4())
    viewer = await act_as("viewer", tenant)
    with pytest.raises(PermissionDenied) as err:
        await workspaces.create(viewer, {"name": "Mine"}, "viewer-create-1")
    assert err.value.message == "viewers cannot create workspaces; an admin can change your role"
    assert await rows(engine, tenant) == 0
    member = await act_as("member", tenant)
    assert (await workspaces.create(member, {"name": "Mine"}, "")).name == "Mine"
