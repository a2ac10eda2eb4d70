"""Fixtures for the analytics tests: the platform schema on the test database, and a
tenant of the test's own (every figure is per tenant, so tests never see each other's)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.platform.rollups import Rollups
from services.platform.usage_queries import UsageQueries
from services.runtime.db import migrate


@pytest.fixture(scope="session")
def platform_schema(database_url: str) -> None:
    migrate("platform", database_url)


@pytest.fixture
def rollups(platform_schema: None, engine: AsyncEngine) -> Rollups:
    return Rollups(engine)


@pytest.fixture
def queries(platform_schema: None, engine: AsyncEngine) -> UsageQueries:
    return UsageQueries(engine)


@pytest.fixture
def tenant() -> str:
    return str(uuid.uuid4())
