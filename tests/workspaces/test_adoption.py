"""Bases made before workspace roles governed bases move into their tenant's noted
workspace once, and their members then use them; other tenants' bases stay put."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.permissions.v1 import permissions_service_pb2 as pb
from tablemesh.permissions.v1 import permissions_service_pb2_grpc as pb_grpc

from services.runtime.clients import MeshClients
from services.workspaces.adoption import Adoption
from services.workspaces.domain import Workspaces
from services.workspaces.link_store import LinkStore
from services.workspaces.members import Bases, Members
from services.workspaces.store import base_adoptions
from tests.workspaces.conftest import ActAs, Actors


async def note(engine: AsyncEngine, tenant: str, workspace: str) -> None:
    async with engine.begin() as conn:
        await conn.execute(base_adoptions.insert().values(tenant_id=tenant, workspace_id=workspace))


async def noted(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return {
            str(t) for t in (await conn.execute(sa.select(base_adoptions.c.tenant_id))).scalars()
        }


async def test_old_bases_move_into_the_noted_workspace_once(
    engine: AsyncEngine,
    workspaces: Workspaces,
    members: Members,
    bases: Bases,
    actors: Actors,
    act_as: ActAs,
    clients: MeshClients,
) -> None:
    tenant, other_tenant = str(uuid.uuid4()), str(uuid.uuid4())
    one, two, kept = [await actors.new_base(tenant) for _ in range(3)]
    elsewhere = await actors.new_base(other_tenant)
    admin = await act_as("admin", tenant)
    general = await workspaces.create(admin, {"name": "General"}, "")
    other = await workspaces.create(admin, {"name": "Other"}, "")
    await bases.link(admin, other.id, kept)
    member_id = await actors.new_user(tenant)
    await members.add(admin, general.id, member_id, "member", "")
    await note(engine, tenant, general.id)

    links = LinkStore(engine)
    adoption = Adoption(engine, links, workspaces.access, clients)
    assert await adoption.run() == 2
    assert await links.workspace_of(tenant, one) == general.id
    assert await links.workspace_of(tenant, two) == general.id
    assert await links.workspace_of(tenant, kept) == other.id  # already in a workspace
    assert await links.workspace_of(other_tenant, elsewhere) is None  # not noted
    assert tenant not in await noted(engine)
    # The member now holds their workspace role on the moved bases.
    await act_as("member", tenant, member_id)
    stub = clients.stub(pb_grpc.PermissionsServiceStub, "permissions")
    ask = pb.CheckRequest(subject=member_id, resource=f"base:{one}", action="write")
    answer = await stub.Check(ask)
    assert answer.allowed and answer.role == "member", answer
    assert await workspaces.access.may_admin_base(member_id, one) is False
    # Once: a base a tenant admin makes later in no workspace stays there.
    later = await actors.new_base(tenant)
    assert await adoption.run() == 0
    assert await links.workspace_of(tenant, later) is None
