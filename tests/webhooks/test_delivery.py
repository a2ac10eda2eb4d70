"""Delivery through the stores on real PostgreSQL to a real receiver on 127.0.0.1: claims
shared by two workers, retries with one webhook-id, 410, leases, replay and recovery."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from standardwebhooks.webhooks import Webhook
from tablemesh.events.v1.events_pb2 import Actor, ChangedRecord, RecordsChanged

from services.runtime import clock, events
from services.webhooks import model as m
from services.webhooks import signing
from tests.clock import FakeClock
from tests.webhooks.conftest import SEALER, Stores
from tests.webhooks.receiver import Receiver, receiving


def record_event(tenant_id: str, name: str = "created") -> events.Event:
    payload = RecordsChanged(base_id="app1", table_id="tbl1", records=[ChangedRecord(id="rec1")])
    return events.new_event(f"record.{name}", tenant_id, "airtable", Actor(), records=payload)


async def drain(*workers: object) -> int:
    """Runs each worker until no message is due; answers how many it delivered."""
    done = 0
    for w in workers:
        while await w.one():  # type: ignore[attr-defined]
            done += 1
    return done


async def test_two_workers_never_claim_the_same_message(stores: Stores) -> None:
    ep, _ = await stores.endpoint("http://127.0.0.1:1/")
    for _ in range(5):
        await stores.messages.fan_out(record_event(ep.tenant_id), [ep.id])
    claims = await asyncio.gather(*(stores.messages.claim(f"w{i}", 30) for i in range(8)))
    taken = [c.id for c in claims if c is not None]
    assert len(taken) == 5 and len(set(taken)) == 5
    assert await stores.messages.claim("late", 30) is None


async def test_a_repeated_event_makes_one_message(stores: Stores) -> None:
    ep, _ = await stores.endpoint("http://127.0.0.1:1/")
    event = record_event(ep.tenant_id)
    assert await stores.messages.fan_out(event, [ep.id]) == 1
    assert await stores.messages.fan_out(event, [ep.id]) == 0


async def test_a_signed_event_arrives_and_verifies(stores: Stores) -> None:
    with receiving() as receiver:
        ep, secret = await stores.endpoint(receiver.url)
        event = record_event(ep.tenant_id)
        await stores.messages.fan_out(event, [ep.id])
        assert await drain(stores.worker()) == 1
    [got] = receiver.received
    body = Webhook(secret).verify(got.body, got.headers)
    assert body["id"] == event.id and body["type"] == "record.created"
    assert body["records"]["records"][0]["id"] == "rec1"
    [msg], _ = await stores.messages.page(ep.id, "", 10, None)
    assert msg.status == m.SUCCEEDED and got.headers["webhook-id"] == msg.id


async def test_three_failures_then_success_is_four_attempts_of_one_id(stores: Stores) -> None:
    with receiving(Receiver(script=[500, 502, 429, 200])) as receiver:
        ep, _ = await stores.endpoint(receiver.url)
        await stores.messages.fan_out(record_event(ep.tenant_id), [ep.id])
        assert await drain(stores.worker(delays=[0, 0, 0, 0, 0])) == 4
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    [msg], _ = await stores.messages.page(ep.id, "", 10, None)
    tried = await stores.messages.attempts_of(ep.id, msg.id) or []
    assert [(a.number, a.response_status, a.succeeded) for a in tried] == [
        (1, 500, False), (2, 502, False), (3, 429, False), (4, 200, True)
    ]  # fmt: skip
    assert tried[0].response_body == "answer 500 " + "x" * 53  # the first 64 bytes
    assert msg.status == m.SUCCEEDED and msg.attempt_count == 4


async def test_a_spent_schedule_dead_letters_then_replay_and_recover(stores: Stores) -> None:
    with receiving(Receiver(script=[500, 500, 200])) as receiver:
        ep, _ = await stores.endpoint(receiver.url)
        await stores.messages.fan_out(record_event(ep.tenant_id), [ep.id])
        worker = stores.worker(delays=[0, 0])
        assert await drain(worker) == 2
        [msg], _ = await stores.messages.page(ep.id, "", 10, None)
        assert msg.status == m.FAILED and msg.last_error == "answered 500"
        assert await stores.messages.recover(ep.id, clock.now() - timedelta(hours=1)) == 1
        assert await drain(worker) == 1
        replayed = await stores.messages.replay(ep.id, msg.id)
        assert replayed is not None and replayed.status == m.PENDING
        assert await drain(worker) == 1
    assert len(receiver.received) == 4
    assert {r.headers["webhook-id"] for r in receiver.received} == {msg.id}


async def test_410_disables_the_endpoint_and_its_creator_is_told(stores: Stores) -> None:
    with receiving(Receiver(script=[410])) as receiver:
        ep, _ = await stores.endpoint(receiver.url)
        await stores.messages.fan_out(record_event(ep.tenant_id), [ep.id])
        await stores.messages.fan_out(record_event(ep.tenant_id), [ep.id])
        assert await drain(stores.worker()) == 1  # the second waits: the endpoint is off
    found = await stores.endpoints.get(ep.tenant_id, ep.id)
    assert found is not None and not found.enabled and found.disabled_reason == m.GONE
    assert [d.id for d in stores.disabled] == [ep.id]


async def test_an_endpoint_failing_too_long_is_disabled(stores: Stores) -> None:
    with receiving(Receiver(script=[500])) as receiver:
        ep, _ = await stores.endpoint(receiver.url)
        for _ in range(2):
            await stores.messages.fan_out(record_event(ep.tenant_id), [ep.id])
        await drain(stores.worker(delays=[0], disable_after=0.001))
    found = await stores.endpoints.get(ep.tenant_id, ep.id)
    assert found is not None and found.disabled_reason == m.FAILING


@pytest.mark.realtime
async def test_a_dead_worker_s_message_is_sent_again_after_its_lease(
    stores: Stores, clock: FakeClock
) -> None:
    with receiving() as receiver:
        ep, secret = await stores.endpoint(receiver.url)
        await stores.messages.fan_out(record_event(ep.tenant_id), [ep.id])
        # A worker claims it and dies before recording anything.
        dead = await stores.messages.claim("dead", 30)
        assert dead is not None
        survivor = stores.worker("alive")
        assert await drain(survivor) == 0  # still leased
        clock.advance(31)
        assert await survivor.one()  # the lease ran out: the survivor sends it
    [got] = receiver.received
    assert got.headers["webhook-id"] == dead.id
    Webhook(secret).verify(got.body, got.headers)
    # The dead worker's late write changes nothing: it no longer holds the lease.
    [msg], _ = await stores.messages.page(ep.id, "", 10, None)
    assert msg.status == m.SUCCEEDED and msg.attempt_count == 1
    assert json.loads(msg.payload)["id"] == dead.event_id


async def test_a_rotated_secret_overlaps(stores: Stores) -> None:
    with receiving() as receiver:
        ep, old = await stores.endpoint(receiver.url)
        new = signing.new_secret()
        await stores.endpoints.rotate(ep, SEALER.seal(ep.id, new), clock.now() + timedelta(hours=1))
        await stores.messages.fan_out(record_event(ep.tenant_id), [ep.id])
        await drain(stores.worker())
    [got] = receiver.received
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    Webhook(new).verify(got.body, got.headers)
    Webhook(old).verify(got.body, got.headers)
