"""The permissions domain on a migrated schema of the test database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.permissions.domain import Permissions
from services.permissions.store import PermissionStore
from services.runtime.db import migrate


@pytest.fixture(scope="module")
async def perms(database_url: str, engine: AsyncEngine) -> AsyncIterator[Permissions]:
    migrate("permissions", database_url)
    yield Permissions(PermissionStore(engine))
