"""What workspaces asks of other services: the owner grant made as its own service identity,
the users and bases it checks before storing a reference, and its answer when they fail."""

from __future__ import annotations

import uuid

import grpc
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.permissions.v1 import permissions_service_pb2 as perm_pb
from tablemesh.permissions.v1 import permissions_service_pb2_grpc as perm_grpc

from services.permissions.store import entries
from services.runtime.clients import MeshClients
from services.runtime.errors import NotFound, PermissionDenied, Unavailable
from services.runtime.identity import set_caller
from services.workspaces.domain import Workspaces
from services.workspaces.link_store import LinkStore
from services.workspaces.lookups import Lookups
from services.workspaces.members import Bases, Members
from tests.workspaces.conftest import ActAs, Actors, build
from tests.workspaces.test_domain import rows


def dead_clients(service: str) -> MeshClients:
    """Mesh clients whose channel to the service leads nowhere."""
    dead = MeshClients()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(f"TABLEMESH_{service.upper()}_ADDR", "127.0.0.1:1")  # nothing listens there
        dead.channel(service)
    return dead


async def granted_by(engine: AsyncEngine, workspace_id: str) -> list[tuple[str, str, str]]:
    query = sa.select(entries.c.subject, entries.c.role, entries.c.granted_by).where(
        entries.c.resource == f"workspace:{workspace_id}"
    )
    async with engine.connect() as conn:
        return [tuple(r) for r in (await conn.execute(query)).all()]


async def test_the_creator_is_made_owner_by_the_workspaces_service(
    workspaces: Workspaces, members: Members, engine: AsyncEngine, act_as: ActAs
) -> None:
    tenant = str(uuid.uuid4())
    user = await act_as("member", tenant)
    made = await workspaces.create(user, {"name": "Mine"}, "")
    found, _ = await members.list_page(user, made.id, 0, "")
    assert [(m.user_id, m.role) for m in found] == [(user.user_id, "owner")]
    assert await granted_by(engine, made.id) == [(user.user_id, "owner", "service:workspaces")]
    # A saga naming another owner gets the same grant, made the same way.
    owner = str(uuid.uuid4())
    saga = await act_as("service", tenant)
    other = await workspaces.create(saga, {"name": "Theirs", "owner_user_id": owner}, "s-1")
    assert await granted_by(engine, other.id) == [(owner, "owner", "service:workspaces")]


async def test_users_cannot_make_themselves_owner(
    workspaces: Workspaces, clients: MeshClients, act_as: ActAs
) -> None:
    tenant = str(uuid.uuid4())
    made = await workspaces.create(await act_as("member", tenant), {"name": "Taken"}, "")
    stub = clients.stub(perm_grpc.PermissionsServiceStub, "permissions")
    user = await act_as("member", tenant)
    for resource in (f"workspace:{uuid.uuid4()}", f"workspace:{made.id}"):
        request = perm_pb.GrantRequest(subject=user.user_id, resource=resource, role="owner")
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await stub.Grant(request)
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED, resource


async def test_members_must_be_users_of_the_tenant(
    workspaces: Workspaces, members: Members, actors: Actors, act_as: ActAs
) -> None:
    tenant = str(uuid.uuid4())
    stranger_id = await actors.new_user(str(uuid.uuid4()))
    colleague_id = await actors.new_user(tenant)
    owner = await act_as("member", tenant)
    made = await workspaces.create(owner, {"name": "Team"}, "")
    for unknown in (str(uuid.uuid4()), stranger_id):
        with pytest.raises(NotFound, match=f"user {unknown} not found"):
            await members.add(owner, made.id, unknown, "member", "")
    found, _ = await members.list_page(owner, made.id, 0, "")
    assert [m.user_id for m in found] == [owner.user_id]
    # Only those who may add members learn whether a user exists.
    viewer = await act_as("member", tenant, colleague_id)
    with pytest.raises(NotFound, match="workspace"):
        await members.add(viewer, made.id, str(uuid.uuid4()), "member", "")
    set_caller(owner)  # the token the mesh client sends is the current caller's
    added = await members.add(owner, made.id, colleague_id, "viewer", "")
    assert (added.user_id, added.role) == (colleague_id, "viewer")
    set_caller(viewer)
    with pytest.raises(PermissionDenied):
        await members.add(viewer, made.id, str(uuid.uuid4()), "member", "")


async def test_linked_bases_must_be_bases_of_the_tenant(
    workspaces: Workspaces, bases: Bases, actors: Actors, act_as: ActAs
) -> None:
    tenant = str(uuid.uuid4())
    foreign = await actors.new_base(str(uuid.uuid4()))
    mine = await actors.new_base(tenant)
    owner = await act_as("member", tenant)
    made = await workspaces.create(owner, {"name": "Data"}, "")
    for unknown in ("appZZZZZZZZZZZZZZ", foreign):
        with pytest.raises(NotFound, match=f"base {unknown} not found"):
            await bases.link(owner, made.id, unknown)
    assert await bases.list_page(owner, made.id, 0, "") == ([], "")
    assert (await bases.link(owner, made.id, mine)).base_id == mine
    assert [b.base_id for b in (await bases.list_page(owner, made.id, 0, ""))[0]] == [mine]


async def test_failed_lookups_are_unavailable_and_store_nothing(
    workspaces: Workspaces,
    members: Members,
    bases: Bases,
    actors: Actors,
    act_as: ActAs,
    engine: AsyncEngine,
) -> None:
    tenant = str(uuid.uuid4())
    user_id, base_id = await actors.new_user(tenant), await actors.new_base(tenant)
    owner = await act_as("member", tenant)
    made = await workspaces.create(owner, {"name": "Cut off"}, "")
    no_users, no_airtable = dead_clients("users"), dead_clients("airtable")
    try:
        with pytest.raises(Unavailable, match="users service"):
            await Members(workspaces, Lookups(no_users)).add(owner, made.id, user_id, "member", "")
        with pytest.raises(Unavailable, match="airtable service"):
            await Bases(workspaces, LinkStore(engine), Lookups(no_airtable)).link(
                owner, made.id, base_id
            )
    finally:
        await no_users.close()
        await no_airtable.close()
    assert len((await members.list_page(owner, made.id, 0, ""))[0]) == 1
    assert await bases.list_page(owner, made.id, 0, "") == ([], "")


@pytest.mark.usefixtures("workspaces_schema")
@pytest.mark.parametrize("down", ["permissions", "auth"])
async def test_a_create_without_request_id_leaves_nothing_when_a_service_is_down(
    engine: AsyncEngine, act_as: ActAs, down: str
) -> None:
    dead = dead_clients(down)
    broken = build(engine, dead)
    tenant = str(uuid.uuid4())
    user = await act_as("member", tenant)
    with pytest.raises(Unavailable):
        await broken.create(user, {"name": "W"}, "")
    assert await rows(engine, tenant) == 0
    await dead.close()


@pytest.mark.parametrize("down", ["permissions", "auth"])
async def test_a_create_with_request_id_is_finished_by_its_retry(
    engine: AsyncEngine, workspaces: Workspaces, act_as: ActAs, down: str
) -> None:
    """The grant's outcome is unknown when permissions does not answer, so the workspace
    stays for the caller's retry (a saga's), which grants once and makes no second one."""
    dead = dead_clients(down)
    broken = build(engine, dead)
    tenant = str(uuid.uuid4())
    saga = await act_as("service", tenant)
    owner = str(uuid.uuid4())
    fields = {"name": "W", "owner_user_id": owner}
    with pytest.raises(Unavailable):
        await broken.create(saga, fields, "saga-9:create_workspace")
    await dead.close()
    made = await workspaces.create(saga, fields, "saga-9:create_workspace")
    assert await rows(engine, tenant) == 1
    assert await granted_by(engine, made.id) == [(owner, "owner", "service:workspaces")]
