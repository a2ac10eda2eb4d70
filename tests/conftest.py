"""Session-wide real data stores shared by every test."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.runtime.cache import create_redis
from services.runtime.db import create_engine
from tests.datastores import PrivateStores, fresh_database, redis_server

# The mesh has no default service secret: one random secret for the whole test session,
# set before anything reads settings; meshes the tests boot inherit it (mesh_env).
os.environ.setdefault("TABLEMESH_SERVICE_SECRET", secrets.token_urlsafe(48))
# Every test signs in from 127.0.0.1 against one Redis: auth's per-address sign-in limit
# would refuse a busy suite. Meshes that test it set their own (tests/e2e/mesh.py).
os.environ.setdefault("TABLEMESH_AUTH_RATE_LIMIT_PER_MINUTE", "100000")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(tmp_path_factory.mktemp("pg")) as url:
        yield url


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="session")
def private_stores(database_url: str, redis_url: str) -> Iterator[PrivateStores]:
    """For tests that boot a whole mesh: `private_stores.new()` -> (database, redis) URLs."""
    stores = PrivateStores(database_url, redis_url)
    yield stores
    stores.drop_all()


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(database_url, pool_size=4)
    yield eng
    await eng.dispose()


@pytest.fixture(scope="session")
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = create_redis(redis_url)
    yield client
    await client.aclose()
