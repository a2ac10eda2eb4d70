"""The events airtable's writes leave in its outbox, on both backends: one per write, typed,
with the records' fields (and, on the local backend, the fields before an update), the
caller as actor; a refused write leaves none."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from google.protobuf.json_format import MessageToDict
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.events.v1.events_pb2 import ActorKind, Event

from services.airtable.domain import Airtable
from services.airtable.local_schema import outbox
from services.airtable.model import Field
from services.runtime import events, identity
from services.runtime.errors import NotFound
from tests.airtable.conftest import caller
from tests.airtable.test_behaviour import new_base


async def tenant_events(engine: AsyncEngine, tenant_id: str) -> list[Event]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(outbox.c.body).where(outbox.c.body.contains(tenant_id)).order_by(outbox.c.id)
        )
        found = [events.from_json(body) for body in rows.scalars()]
    return [e for e in found if e.tenant_id == tenant_id]


def fields(struct: Any) -> dict[str, Any]:
    return MessageToDict(struct)


async def test_each_write_announces_itself(airtable: Airtable, engine: AsyncEngine) -> None:
    who = caller()
    identity.set_caller(who)
    try:
        base_id, table_id = await new_base(airtable, who)
        await airtable.create_field(who, base_id, table_id, Field("", "Notes", "multilineText"))
        [rec] = await airtable.create_records(
            who, base_id, table_id, [{"Name": "Alpha"}], False, ""
        )
        await airtable.update_records(
            who, base_id, table_id, [(rec.id, {"Hours": 4})], False, False
        )
        await airtable.delete_records(who, base_id, table_id, [rec.id])
        with pytest.raises(NotFound):
            await airtable.update_records(
                who, base_id, table_id, [("recDoesNotExist00", {"Hours": 1})], False, False
            )
    finally:
        identity.set_caller(None)
    found = await tenant_events(engine, who.tenant_id)
    assert [e.type for e in found] == [
        "base.created",
        "field.created",
        "record.created",
        "record.updated",
        "record.deleted",
    ]
    assert {e.source for e in found} == {"airtable"}
    assert all(e.actor.kind == ActorKind.ACTOR_KIND_USER for e in found)
    assert all(e.actor.id == who.user_id for e in found)
    assert found[0].base.base_id == base_id and found[0].base.name == "Agency"
    assert (found[1].field.name, found[1].field.type) == ("Notes", "multilineText")
    created, updated, deleted = (e.records for e in found[2:])
    assert (created.base_id, created.table_id, created.table_name) == (
        base_id,
        table_id,
        "Projects",
    )
    assert [(r.id, fields(r.fields)) for r in created.records] == [(rec.id, {"Name": "Alpha"})]
    [change] = updated.records
    assert fields(change.fields) == {"Name": "Alpha", "Hours": 4}
    assert list(change.changed_fields) == ["Hours"]
    if airtable.backend.name == "local":
        assert fields(change.previous_fields) == {"Name": "Alpha"}
        assert fields(deleted.records[0].fields) == {"Name": "Alpha", "Hours": 4}
    assert [r.id for r in deleted.records] == [rec.id]
