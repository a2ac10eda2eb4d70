"""Fixtures for the automation service: its migrated schema and its domain."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.automation.files.domain import Files
from services.automation.files.store import FileStore
from services.runtime.config import FILE_EXTENSIONS
from services.runtime.db import migrate
from services.runtime.identity import Caller

MAX_BYTES = 2 * 1024 * 1024


def caller(tenant: str | None = None) -> Caller:
    return Caller(
        str(uuid.uuid4()), tenant or str(uuid.uuid4()), "member", "x@example.com", "j", 2**40, "t"
    )


@pytest.fixture(scope="module")
def store(database_url: str, engine: AsyncEngine) -> FileStore:
    migrate("automation", database_url)
    return FileStore(engine)


@pytest.fixture
def files(store: FileStore) -> Files:
    return Files(store, list(FILE_EXTENSIONS), MAX_BYTES)
