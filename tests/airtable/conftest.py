"""Fixtures: the airtable domain on either backend (local PostgreSQL, or the `airtable`
backend against the fake Airtable API), both behind the Redis cache.

Callers here are tenant admins, whom the domain never asks about workspace roles (they may
do everything with their tenant's bases); the roles are tested through the whole mesh in
tests/e2e/test_base_roles.py."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.airtable.airtable_http import AirtableHttp
from services.airtable.backend import Backend
from services.airtable.base_access import BaseAccess
from services.airtable.cache import CachedBackend
from services.airtable.domain import Airtable
from services.airtable.links import Links
from services.airtable.local_backend import LocalBackend
from services.airtable.remote_backend import RemoteBackend
from services.airtable.workspace_links import WorkspaceLinks
from services.runtime.clients import MeshClients
from services.runtime.db import migrate
from services.runtime.identity import Caller
from services.runtime.resource_access import ResourceAccess
from services.runtime.service_identity import ServiceTokens
from services.runtime.tracked_cache import TrackedCache
from tests.airtable.fake_airtable import TOKEN, WORKSPACE, FakeAirtable, running


def caller(tenant: str | None = None, role: str = "admin") -> Caller:
    tenant = tenant or str(uuid.uuid4())
    return Caller(str(uuid.uuid4()), tenant, role, "a@example.com", "jti", 2**40, "token")


def domain(backend: Backend, redis: Redis) -> Airtable:
    """The domain wired as the service wires it (the mesh clients reach no service here:
    tenant admins' calls never need one)."""
    clients = MeshClients()
    access = BaseAccess(ResourceAccess(clients, TrackedCache(redis)))
    links = WorkspaceLinks(clients, ServiceTokens(clients, "airtable", "not-used-" * 4))
    return Airtable(backend, access, links)


@pytest.fixture(scope="session")
def airtable_schema(database_url: str) -> str:
    migrate("airtable", database_url)
    return database_url


@pytest.fixture(scope="session")
def fake_airtable() -> Iterator[FakeAirtable]:
    with running(FakeAirtable(throttle_every=7)) as fake:
        yield fake


def remote_backend(
    fake: FakeAirtable, engine: AsyncEngine, per_second: float = 100
) -> RemoteBackend:
    # Back-off starts at 20 ms here (1 s in production) so the suite stays quick.
    http = AirtableHttp(fake.url, TOKEN, per_second, backoff=0.02, max_backoff=0.2)
    return RemoteBackend(http, Links(engine), WORKSPACE, engine)


@pytest.fixture(params=["local", "airtable"])
async def airtable(
    request: pytest.FixtureRequest,
    airtable_schema: str,
    engine: AsyncEngine,
    redis: Redis,
    fake_airtable: FakeAirtable,
) -> AsyncIterator[Airtable]:
    backend: Backend
    if request.param == "local":
        backend = LocalBackend(engine)
    else:
        backend = remote_backend(fake_airtable, engine)
    yield domain(CachedBackend(backend, redis), redis)
    if isinstance(backend, RemoteBackend):
        await backend.close()
