"""The permissions domain on a migrated schema of the test database, announcing its changes
in the test Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.permissions.domain import Permissions
from services.permissions.lookup import LookupStore
from services.permissions.parents import ParentStore
from services.permissions.store import PermissionStore
from services.permissions.tree import ResourceTree
from services.runtime.db import migrate


@pytest.fixture(scope="module")
async def perms(database_url: str, engine: AsyncEngine, redis: Redis) -> AsyncIterator[Permissions]:
    migrate("permissions", database_url)
    yield Permissions(PermissionStore(engine), redis)


@pytest.fixture(scope="module")
def tree(perms: Permissions, engine: AsyncEngine, redis: Redis) -> ResourceTree:
    """Asks for `perms` first, so the schema is migrated."""
    return ResourceTree(ParentStore(engine), LookupStore(engine), redis)
