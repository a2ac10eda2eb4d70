"""The airtable service over gRPC, in-process, with the runtime's own interceptor and a
token verifier that trusts a test key; on both backends. Plus `python -m
services.airtable.main` booting at port offset 1100."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from google.protobuf import struct_pb2
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.airtable.v1 import airtable_service_pb2 as pb
from tablemesh.airtable.v1.airtable_service_pb2_grpc import AirtableServiceStub

from services.airtable.main import register
from services.runtime.clients import MeshClients
from services.runtime.config import Settings
from services.runtime.identity import TokenVerifier
from services.runtime.interceptors import MeshInterceptor
from services.runtime.server import Deps
from tests.airtable.fake_airtable import TOKEN, WORKSPACE, FakeAirtable, running
from tests.ports import offset
from tests.tokens import access_token, jwks

KEY = Ed25519PrivateKey.generate()
KID = "airtable-test"
ROOT = Path(__file__).resolve().parents[2]


def token(tenant: str, role: str = "admin") -> tuple[tuple[str, str]]:
    signed = access_token(KEY, KID, tenant_id=tenant, role=role)
    return (("authorization", f"Bearer {signed}"),)


async def test_jwks() -> dict[str, Any]:
    return jwks(KEY, KID)


test_jwks.__test__ = False  # type: ignore[attr-defined]


@pytest.fixture(params=["local", "airtable"])
async def stub(
    request: pytest.FixtureRequest,
    airtable_schema: str,
    engine: AsyncEngine,
    redis: Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[AirtableServiceStub]:
    with running(FakeAirtable(throttle_every=0)) as fake:
        monkeypatch.setenv("TABLEMESH_AIRTABLE_WORKSPACE_ID", WORKSPACE)
        cfg = Settings(
            airtable_backend=request.param,
            airtable_api_url=fake.url,
            airtable_token=TOKEN,  # type: ignore[arg-type]
        )
        verifier = TokenVerifier(test_jwks, redis, cfg.jwt_issuer, cfg.jwt_audience)
        deps = Deps("airtable", cfg, redis, MeshClients(), verifier, engine)
        server = grpc.aio.server(interceptors=[MeshInterceptor("airtable", verifier)])
        register(server, deps)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
        yield AirtableServiceStub(channel)
        await channel.close(None)
        await server.stop(None)
        for hook in deps.on_stop:
            await hook()


def fields(**values: Any) -> struct_pb2.Struct:
    result = struct_pb2.Struct()
    result.update(values)
    return result


async def new_base(stub: AirtableServiceStub, auth: Any) -> pb.CreateBaseResponse:
    spec = pb.TableSpec(
        name="Tasks",
        fields=[
            pb.Field(name="Name", type="singleLineText"),
            pb.Field(name="Hours", type="number"),
        ],
    )
    return await stub.CreateBase(pb.CreateBaseRequest(name="Work", tables=[spec]), metadata=auth)


async def test_records_over_grpc(stub: AirtableServiceStub) -> None:
    auth = token(str(uuid.uuid4()))
    made = await new_base(stub, auth)
    base_id, table_id = made.base.id, made.tables[0].id
    records = [pb.NewRecord(fields=fields(Name=f"T{i}", Hours=i)) for i in range(3)]
    created = await stub.CreateRecords(
        pb.CreateRecordsRequest(base_id=base_id, table_id=table_id, records=records), metadata=auth
    )
    assert [r.fields["Name"] for r in created.records] == ["T0", "T1", "T2"]
    listed = await stub.ListRecords(
        pb.ListRecordsRequest(
            base_id=base_id, table_id="Tasks", filter_by_formula="{Hours} >= 1", sort=["Hours desc"]
        ),
        metadata=auth,
    )
    assert [r.fields["Hours"] for r in listed.records] == [2, 1]
    got = await stub.GetRecord(
        pb.GetRecordRequest(base_id=base_id, table_id=table_id, record_id=created.records[0].id),
        metadata=auth,
    )
    assert got.record.fields["Name"] == "T0" and got.record.create_time.seconds > 0


async def test_errors_carry_status_and_details(stub: AirtableServiceStub) -> None:
    auth = token(str(uuid.uuid4()))
    made = await new_base(stub, auth)
    eleven = [pb.NewRecord(fields=fields(Name=str(i))) for i in range(11)]
    request = pb.CreateRecordsRequest(base_id=made.base.id, table_id="Tasks", records=eleven)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.CreateRecords(request, metadata=auth)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "at most 10 records" in (err.value.details() or "")
    status = rpc_status.from_call(err.value)  # type: ignore[arg-type]
    assert status is not None
    bad = error_details_pb2.BadRequest()
    assert any(d.Unpack(bad) for d in status.details)
    assert bad.field_violations[0].field == "records"
    bad_formula = pb.ListRecordsRequest(
        base_id=made.base.id, table_id="Tasks", filter_by_formula="{Nope} = 1"
    )
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.ListRecords(bad_formula, metadata=auth)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "unknown field 'Nope'" in (err.value.details() or "")
    other = token(str(uuid.uuid4()))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.GetBaseSchema(pb.GetBaseSchemaRequest(base_id=made.base.id), metadata=other)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await stub.ListBases(pb.ListBasesRequest())
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    listed = await stub.ListRecords(
        pb.ListRecordsRequest(base_id=made.base.id, table_id="Tasks"), metadata=auth
    )
    assert list(listed.records) == []


@pytest.mark.realtime  # a boot deadline of about 15 s
def test_main_boots_and_serves_health(database_url: str, redis_url: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "TABLEMESH_PORT_OFFSET": str(offset("airtable")),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "TABLEMESH_VAR_DIR": str(tmp_path),
        "TABLEMESH_SHUTDOWN_GRACE": "1",
    }
    log = tmp_path / "airtable.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.airtable.main"], cwd=ROOT, env=env,
        stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        channel = grpc.insecure_channel(f"127.0.0.1:{8002 + offset('airtable')}")
        health = health_pb2_grpc.HealthStub(channel)
        for _ in range(600):  # 60 s: boots take 15 s and more on a busy machine
            try:
                request = health_pb2.HealthCheckRequest(
                    service="tablemesh.airtable.v1.AirtableService"
                )
                if (
                    health.Check(request, timeout=1).status
                    == health_pb2.HealthCheckResponse.SERVING
                ):
                    break
            except grpc.RpcError:
                pass
            time.sleep(0.1)
        else:
            raise AssertionError(log.read_text())
        with pytest.raises(grpc.RpcError) as err:
            AirtableServiceStub(channel).ListBases(pb.ListBasesRequest(), timeout=5)  # type: ignore[arg-type]
        assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED  # type: ignore[attr-defined]
        channel.close()
    finally:
        proc.terminate()
        proc.wait(15)
