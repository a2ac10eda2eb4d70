"""The workspaces domain against the real services it calls, each in this process on
ports of their own (tests/ports.py, tests/inprocess.py): auth (the workspaces service's own
tokens), users, permissions and airtable. The test's callers carry tokens signed by auth's
own key and code, and the users they add to workspaces have real profiles."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.airtable.v1 import airtable_service_pb2 as air_pb
from tablemesh.airtable.v1 import airtable_service_pb2_grpc as air_grpc
from tablemesh.users.v1 import users_service_pb2 as users_pb
from tablemesh.users.v1 import users_service_pb2_grpc as users_grpc

from services.airtable import main as airtable_main
from services.auth import main as auth_main
from services.auth.keys import KeyStore
from services.auth.tokens import AccessTokens, Principal
from services.permissions import main as permissions_main
from services.runtime.clients import MeshClients
from services.runtime.config import settings
from services.runtime.db import migrate
from services.runtime.identity import Caller, set_caller
from services.runtime.server import Deps
from services.runtime.service_identity import ServiceTokens
from services.users import main as users_main
from services.workspaces.access import Access
from services.workspaces.domain import Workspaces
from services.workspaces.link_store import LinkStore
from services.workspaces.lookups import Lookups
from services.workspaces.members import Bases, Members
from services.workspaces.store import WorkspaceStore
from tests.inprocess import running_services
from tests.ports import offset

ENV = {
    "TABLEMESH_AIRTABLE_BACKEND": "local",
    "TABLEMESH_ARGON2_MEMORY_KIB": "64",
    "TABLEMESH_ARGON2_TIME_COST": "1",
}
SERVICES = (
    ("auth", auth_main.register),
    ("users", users_main.register),
    ("permissions", permissions_main.register),
    ("airtable", airtable_main.register),
)
ActAs = Callable[..., Awaitable[Caller]]


@pytest.fixture(scope="module")
async def mesh(database_url: str, redis_url: str) -> AsyncIterator[list[Deps]]:
    async with running_services(
        SERVICES,
        database_url,
        redis_url,
        {**ENV, "TABLEMESH_PORT_OFFSET": str(offset("workspaces"))},
    ) as deps:
        yield deps


@dataclass
class Actors:
    """Callers and the things they refer to, made the way the mesh makes them."""

    access: AccessTokens
    clients: MeshClients

    async def _as_service(self, tenant: str) -> list[tuple[str, str]]:
        token = await self.access.service_token("saga", tenant)
        return [("authorization", f"Bearer {token.token}")]

    async def act_as(self, role: str, tenant: str, user_id: str | None = None) -> Caller:
        """Makes the test's calls come from this caller: a mesh service, a given user, or
        (with no user id) a new user of the tenant with a profile."""
        if role == "service":
            subject, email = "service:saga", ""
            token = await self.access.service_token("saga", tenant)
        else:
            subject, email = user_id or await self.new_user(tenant), "x@example.com"
            token = await self.access.sign(Principal(subject, tenant, email, role))
        caller = Caller(subject, tenant, role, email, token.token_id, token.expires_at, token.token)
        set_caller(caller)
        return caller

    async def new_user(self, tenant: str) -> str:
        """A user with a profile in the tenant, created by a mesh service as onboarding does."""
        user_id = str(uuid.uuid4())
        user = users_pb.User(
            id=user_id, email=f"{user_id}@example.com", first_name="Ada", last_name="Lovelace"
        )
        stub = self.clients.stub(users_grpc.UsersServiceStub, "users")
        request = users_pb.CreateUserRequest(user=user)
        await stub.CreateUser(request, metadata=await self._as_service(tenant))
        return user_id

    async def new_base(self, tenant: str) -> str:
        """A base of the tenant in the airtable service."""
        stub = self.clients.stub(air_grpc.AirtableServiceStub, "airtable")
        request = air_pb.CreateBaseRequest(name="Projects")
        reply = await stub.CreateBase(request, metadata=await self._as_service(tenant))
        return reply.base.id


@pytest.fixture(scope="module")
async def clients(mesh: list[Deps]) -> AsyncIterator[MeshClients]:
    mesh_clients = MeshClients()
    yield mesh_clients
    await mesh_clients.close()


@pytest.fixture(scope="module")
def actors(mesh: list[Deps], clients: MeshClients) -> Actors:
    cfg = settings()
    keys = KeyStore(mesh[0].db, cfg.jwt_algorithm, cfg.service_secret.get_secret_value())
    return Actors(AccessTokens(keys, cfg), clients)


@pytest.fixture
def act_as(actors: Actors) -> ActAs:
    return actors.act_as


def build(engine: AsyncEngine, clients: MeshClients) -> Workspaces:
    """The workspaces domain as services/workspaces/main.py wires it."""
    secret = settings().service_secret.get_secret_value()
    return Workspaces(
        WorkspaceStore(engine), Access(clients, ServiceTokens(clients, "workspaces", secret))
    )


@pytest.fixture(scope="session")
def workspaces_schema(database_url: str) -> None:
    migrate("workspaces", database_url)


@pytest.fixture(scope="module")
async def workspaces(
    workspaces_schema: None, engine: AsyncEngine, clients: MeshClients
) -> Workspaces:
    return build(engine, clients)


@pytest.fixture(scope="module")
def members(workspaces: Workspaces, clients: MeshClients) -> Members:
    return Members(workspaces, Lookups(clients))


@pytest.fixture(scope="module")
def bases(workspaces: Workspaces, engine: AsyncEngine, clients: MeshClients) -> Bases:
    return Bases(workspaces, LinkStore(engine), Lookups(clients))
