"""The `airtable` backend's own duties against the fake API: back-off on 429, the per-base
pace, a refused token, following the meta API's offset."""

from __future__ import annotations

import time

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from services.airtable.airtable_http import AirtableHttp
from services.airtable.links import Links
from services.airtable.remote_backend import RemoteBackend
from services.runtime.errors import FailedPrecondition, ResourceExhausted
from tests.airtable.conftest import caller, domain, remote_backend
from tests.airtable.fake_airtable import WORKSPACE, FakeAirtable, running
from tests.airtable.test_behaviour import PROJECTS, ROWS

# Bounds real elapsed time, deadlines or leases: `make test` runs it before the meshes boot.
pytestmark = pytest.mark.realtime


async def test_backs_off_on_429_and_succeeds(
    airtable_schema: str, engine: AsyncEngine, redis: Redis
) -> None:
    with running(FakeAirtable(throttle_every=2)) as fake:
        backend = remote_backend(fake, engine)
        airtable, who = domain(backend, redis), caller()
        base, tables = await airtable.create_base(who, "Busy", [PROJECTS], "")
        await airtable.create_records(who, base.id, tables[0].id, ROWS, False, "")
        for _ in range(3):
            assert len(await airtable.get_schema(who, base.id)) == 1
        assert fake.throttled >= 3 and backend.http.throttled == fake.throttled
        await backend.close()


async def test_gives_up_when_always_throttled(
    airtable_schema: str, engine: AsyncEngine, redis: Redis
) -> None:
    with running(FakeAirtable(throttle_every=1)) as fake:
        backend = remote_backend(fake, engine)
        backend.http.retries = 2
        with pytest.raises(ResourceExhausted):
            await domain(backend, redis).create_base(caller(), "Never", [PROJECTS], "")
        assert fake.requests == 3
        await backend.close()


async def test_paces_requests_per_base(
    airtable_schema: str, engine: AsyncEngine, redis: Redis
) -> None:
    with running(FakeAirtable(throttle_every=0, rate_limit=10)) as fake:
        backend = remote_backend(fake, engine, per_second=10)
        airtable, who = domain(backend, redis), caller()
        base, _ = await airtable.create_base(who, "Paced", [PROJECTS], "")
        start = time.monotonic()
        for _ in range(12):
            await airtable.get_schema(who, base.id)
        assert time.monotonic() - start >= 1.0
        assert fake.rate_violations == 0
        await backend.close()


async def test_refused_token_and_missing_workspace(
    airtable_schema: str, engine: AsyncEngine, fake_airtable: FakeAirtable, redis: Redis
) -> None:
    http = AirtableHttp(fake_airtable.url, "patWRONG", 100, backoff=0.01)
    with pytest.raises(FailedPrecondition, match="TABLEMESH_AIRTABLE_TOKEN"):
        await domain(RemoteBackend(http, Links(engine), WORKSPACE, engine), redis).create_base(
            caller(), "X", [], ""
        )
    backend = remote_backend(fake_airtable, engine)
    backend.workspace_id = ""
    with pytest.raises(FailedPrecondition, match="TABLEMESH_AIRTABLE_WORKSPACE_ID"):
        await domain(backend, redis).create_base(caller(), "X", [], "")
    await http.close()
    await backend.close()


async def test_list_bases_follows_meta_offsets(
    airtable_schema: str, engine: AsyncEngine, fake_airtable: FakeAirtable, redis: Redis
) -> None:
    backend = remote_backend(fake_airtable, engine)
    airtable, who = domain(backend, redis), caller()
    made = [(await airtable.create_base(who, f"B{i}", [], ""))[0].id for i in range(5)]
    fake_airtable.bases[made[4]].name = "Renamed in Airtable"
    listed, token = await airtable.list_bases(who, 3, "")
    rest, end = await airtable.list_bases(who, 3, token)
    assert [b.id for b in listed + rest] == made and end == ""
    assert rest[-1].name == "Renamed in Airtable" and rest[-1].backend == "airtable"
    await backend.close()
