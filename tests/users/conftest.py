"""Fixtures for the users domain: the service's schema migrated, and its domain object."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.runtime.db import migrate
from services.runtime.identity import Caller, TokenRevocation
from services.users.domain import Users
from services.users.store import ProfileStore


def caller(role: str, tenant: str, user_id: str | None = None) -> Caller:
    return Caller(user_id or str(uuid.uuid4()), tenant, role, "x@example.com", "jti", 2**40, "t")


@pytest.fixture(scope="module")
async def users(database_url: str, engine: AsyncEngine, redis: Redis) -> AsyncIterator[Users]:
    migrate("users", database_url)
    yield Users(ProfileStore(engine, redis), TokenRevocation(redis, 900))
