"""A start places only the links whose placement at permissions never happened: a link's
row notes when permissions learnt of it, so the start-up pass does not grow with every
link ever made."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.permissions.v1 import permissions_service_pb2 as pb
from tablemesh.permissions.v1 import permissions_service_pb2_grpc as pb_grpc

from services.runtime.clients import MeshClients
from services.workspaces.domain import Workspaces
from services.workspaces.link_store import LinkStore
from services.workspaces.members import Bases, Members
from services.workspaces.reconcile import place_linked_bases
from services.workspaces.store import linked_bases
from tests.workspaces.conftest import ActAs, Actors


async def placed_at(engine: AsyncEngine, base_id: str) -> object:
    async with engine.connect() as conn:
        query = sa.select(linked_bases.c.placed_at).where(linked_bases.c.base_id == base_id)
        return (await conn.execute(query)).scalar_one()


async def test_a_start_places_the_links_whose_placement_failed_and_no_others(
    engine: AsyncEngine,
    workspaces: Workspaces,
    members: Members,
    bases: Bases,
    actors: Actors,
    act_as: ActAs,
    clients: MeshClients,
) -> None:
    tenant = str(uuid.uuid4())
    kept, lost = await actors.new_base(tenant), await actors.new_base(tenant)
    admin = await act_as("admin", tenant)
    general = await workspaces.create(admin, {"name": "General"}, "")
    member_id = await actors.new_user(tenant)
    await members.add(admin, general.id, member_id, "member", "")
    await bases.link(admin, general.id, kept)
    await bases.link(admin, general.id, lost)
    first = await placed_at(engine, kept)
    assert first is not None and await placed_at(engine, lost) is not None
    # As if permissions never heard of the second link (its call failed after the row).
    await workspaces.access.set_parent(tenant, lost, "")
    async with engine.begin() as conn:
        await conn.execute(
            linked_bases.update().where(linked_bases.c.base_id == lost).values(placed_at=None)
        )
    stub = clients.stub(pb_grpc.PermissionsServiceStub, "permissions")
    await act_as("member", tenant, member_id)
    ask = pb.CheckRequest(subject=member_id, resource=f"base:{lost}", action="write")
    assert not (await stub.Check(ask)).allowed

    links = LinkStore(engine)
    assert await place_linked_bases(links, workspaces.access) >= 1
    await act_as("member", tenant, member_id)
    assert (await stub.Check(ask)).allowed  # placed: the member's role reaches the base
    assert await placed_at(engine, lost) is not None
    assert await placed_at(engine, kept) == first  # already placed: left alone
    unplaced = [link async for link in links.unplaced() if link[0] == tenant]
    assert unplaced == []
