"""Fixtures: the workflow stores on real PostgreSQL, and steps that act on a real airtable
domain (local backend) in this process, so idempotent writes are checked for real."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.airtable.domain import Airtable
from services.airtable.local_backend import LocalBackend
from services.airtable.model import Field, TableSpec
from services.automation.workflows import model as m
from services.automation.workflows.execution_store import ExecutionStore
from services.automation.workflows.step_call import Who
from services.automation.workflows.store import WorkflowStore, workflows
from services.runtime.db import migrate
from services.runtime.identity import Caller
from tests.airtable.conftest import domain


@pytest.fixture(scope="session")
def automation_schema(database_url: str) -> str:
    migrate("airtable", database_url)
    migrate("automation", database_url)
    return database_url


@pytest.fixture
async def stores(
    automation_schema: str, engine: AsyncEngine
) -> AsyncIterator[tuple[WorkflowStore, ExecutionStore]]:
    """The stores; the workflows a test made go afterwards, so that a runner in the next
    test (which claims whatever is due) finds only that test's executions."""
    yield WorkflowStore(engine), ExecutionStore(engine)
    async with engine.begin() as conn:
        await conn.execute(workflows.delete())


class LocalActions:
    """The steps' mesh calls made on an in-process airtable domain, as the creator."""

    def __init__(self, airtable: Airtable) -> None:
        self.airtable = airtable
        self.calls: list[str] = []

    def _as(self, who: Who) -> Caller:
        # A tenant admin: the domain alone has no permissions service to ask about members.
        return Caller(who.user_id, who.tenant_id, "admin", "m@example.com", "jti", 2**40, "t")

    async def create_records(
        self, who: Who, base_id: str, table_id: str, records: list[dict[str, Any]],
        typecast: bool, request_id: str,
    ) -> list[dict[str, Any]]:  # fmt: skip
        self.calls.append(f"create {request_id}")
        made = await self.airtable.create_records(
            self._as(who), base_id, table_id, records, typecast, request_id
        )
        return [{"id": r.id, "fields": r.fields} for r in made]

    async def update_records(
        self, who: Who, base_id: str, table_id: str, records: list[dict[str, Any]], typecast: bool
    ) -> list[dict[str, Any]]:
        changes = [(str(r["id"]), dict(r["fields"])) for r in records]
        made = await self.airtable.update_records(
            self._as(who), base_id, table_id, changes, typecast, False
        )
        return [{"id": r.id, "fields": r.fields} for r in made]

    async def notify(self, who: Who, user_id: str, title: str, body: str, request_id: str) -> str:
        self.calls.append(f"notify {request_id}")
        return "n-" + request_id


@pytest.fixture
async def sheet(automation_schema: str, engine: AsyncEngine, redis: Redis) -> dict[str, Any]:
    """A tenant with a base whose Log table steps write to, and its creator."""
    airtable = domain(LocalBackend(engine), redis)
    who = Who(str(uuid.uuid4()), str(uuid.uuid4()))
    creator = Caller(who.user_id, who.tenant_id, "admin", "m@example.com", "jti", 2**40, "t")
    spec = TableSpec("Log", "", [Field("", "Name", "singleLineText")])
    base, [table] = await airtable.create_base(creator, "Ops", [spec], "")
    return {
        "airtable": airtable,
        "who": who,
        "creator": creator,
        "base": base.id,
        "table": table.id,
    }


def workflow(who: Who, steps: list[m.StepSpec], trigger: m.Trigger | None = None) -> m.Workflow:
    return m.Workflow(
        id=str(uuid.uuid4()),
        tenant_id=who.tenant_id,
        name="wf",
        description="",
        enabled=True,
        trigger=trigger or m.Trigger(m.MANUAL),
        steps=steps,
        overlap_policy=m.SKIP,
        creator_user_id=who.user_id,
    )
