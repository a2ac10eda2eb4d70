"""What the audit service records and who may read it: the audited types come from the
events proto's option; events consumed from a real Redis stream become entries once, with
their envelope's source IP and user agent; fault rules set through the runtime land in the
log with them; only admins read, and bad filters are refused naming the field."""

from __future__ import annotations

import uuid

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.events.v1.events_pb2 import BaseChanged

from services.audit import consumer
from services.audit.filters import Filters
from services.audit.queries import AuditQueries
from services.audit.rules import rule_for, rules
from services.runtime import events
from services.runtime.errors import InvalidArgument, PermissionDenied
from services.runtime.faults import set_rules
from tests.audit.conftest import admin_of, member_of, signed_in
from tests.event_bus import fresh_stream

pytestmark = pytest.mark.unit


def test_the_audited_payloads_are_read_from_the_proto() -> None:
    assert {"sign_in", "invitation", "api_key", "user_access", "permission"} <= set(rules())
    assert {"workspace_member", "service_token", "fault_rules", "base"} <= set(rules())
    deleted = events.new_event("base.deleted", "t", "airtable", base=BaseChanged(base_id="appX"))
    created = events.new_event("base.created", "t", "airtable", base=BaseChanged(base_id="appX"))
    assert rule_for(deleted) is not None and rule_for(created) is None
    assert rules()["sign_in"].failure_types == {
        "auth.sign_in_failed",
        "auth.refresh_reuse_detected",
    }


async def consume(redis: Redis, engine: AsyncEngine, stream: str) -> None:
    sub = consumer.subscription(redis, engine, "test-audit", stream=stream, block_ms=10)
    await sub.ensure_group()
    while await sub.poll_once():
        pass


async def publish(redis: Redis, stream: str, event: events.Event) -> None:
    fields = {"id": event.id, "type": event.type, "event": events.to_json(event)}
    await redis.xadd(stream, fields)  # type: ignore[arg-type]


async def test_bus_events_become_entries_once(log_engine: AsyncEngine, redis: Redis) -> None:
    stream, tenant, user = fresh_stream(), str(uuid.uuid4()), str(uuid.uuid4())
    event = signed_in(tenant, user)
    await publish(redis, stream, event)
    await publish(redis, stream, event)  # relayed twice
    created = events.new_event("base.created", tenant, "airtable", base=BaseChanged(base_id="a"))
    await publish(redis, stream, created)
    await consume(redis, log_engine, stream)
    rows, _ = await AuditQueries(log_engine).list_page(admin_of(tenant), Filters(), 50, "")
    assert len(rows) == 1
    row = rows[0]
    assert (row.seq, row.action, row.outcome, row.resource) == (
        0,
        "auth.signed_in",
        "success",
        f"user:{user}",
    )
    assert (row.source_ip, row.user_agent, row.actor_id) == ("203.0.113.7", "curl/8", user)


async def test_fault_rules_set_are_recorded(log_engine: AsyncEngine, redis: Redis) -> None:
    stream = fresh_stream()
    await set_rules(redis, [], actor="operator:test", stream=stream)
    assert await redis.xlen(stream) == 1
    await consume(redis, log_engine, stream)
    async with log_engine.connect() as conn:
        from services.audit.reading import all_entries

        rows = await all_entries(conn)
    assert [(r.action, r.actor_id, r.tenant_id) for r in rows] == [
        ("faults.set", "operator:test", "")
    ]


async def test_only_admins_read_and_bad_filters_are_named(log_engine: AsyncEngine) -> None:
    queries, tenant = AuditQueries(log_engine), str(uuid.uuid4())
    with pytest.raises(PermissionDenied, match="only the tenant's admins"):
        await queries.list_page(member_of(tenant), Filters(), 10, "")
    with pytest.raises(InvalidArgument) as bad:
        await queries.list_page(
            admin_of(tenant), Filters(action="coffee.", resource="ship", outcome="meh"), 10, ""
        )
    assert [f for f, _ in bad.value.violations] == ["action", "resource", "outcome"]
    with pytest.raises(InvalidArgument, match="page_token: is not a token"):
        await queries.list_page(admin_of(tenant), Filters(), 10, "garbage")
