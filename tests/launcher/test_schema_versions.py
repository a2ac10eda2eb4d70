"""`tablemesh up` skips Alembic only when every schema already records its newest
revisions: a new database, a schema not yet migrated, or one a revision behind runs it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest

from services.launcher.schema_versions import at_newest, heads
from services.runtime.db import migrate
from tests.datastores import with_database

NAMES = ["users", "airtable"]


@pytest.fixture
def new_database(database_url: str) -> Iterator[str]:
    name = f"tm_versions_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield with_database(database_url, name)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_newest_revision_is_the_one_nothing_builds_on() -> None:
    assert heads("airtable") == {"airtable_0004"}
    assert heads("users") == {"users_0003"}


async def test_only_schemas_at_their_newest_revision_count(new_database: str) -> None:
    assert not await at_newest(new_database, NAMES)
    migrate("users", new_database)
    assert not await at_newest(new_database, NAMES)
    migrate("airtable", new_database)
    assert await at_newest(new_database, NAMES)

    with psycopg.connect(new_database, autocommit=True) as conn:
        conn.execute("UPDATE airtable.alembic_version SET version_num = 'airtable_0001'")
    assert not await at_newest(new_database, NAMES)


async def test_a_database_that_does_not_answer_is_not_current() -> None:
    assert not await at_newest("postgresql://postgres@127.0.0.1:1/none", NAMES)
