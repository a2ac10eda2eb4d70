"""Benchmark of the AI chain, in one run: ListRecords of 100 records through Envoy vs
direct gRPC; a get_records tool call through mcp vs the direct airtable call it wraps;
and a chat turn's orchestrator overhead with a scripted model that answers instantly.
`make bench-ai` (DATABASE_URL/REDIS_URL when set, else embedded)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import grpc
import httpx
from google.protobuf import struct_pb2
from rich.console import Console
from rich.table import Table
from tablemesh.airtable.v1 import airtable_service_pb2 as at
from tablemesh.airtable.v1 import airtable_service_pb2_grpc as at_grpc
from tablemesh.mcp.v1 import mcp_service_pb2 as mcp
from tablemesh.mcp.v1 import mcp_service_pb2_grpc as mcp_grpc

from bench import loadgen
from tests.llm.fake_openai import FakeOpenAI, Reply

OFFSET = 2000
BIN = Path(sys.executable).parent
VAR = Path("var/bench-ai").resolve()
SECONDS = float(os.environ.get("BENCH_SECONDS", "6"))
Make = Callable[[], Awaitable[Callable[[], Awaitable[bool]]]]


def model_replies(body: dict[str, Any]) -> Reply:
    """Answers at once; asks for get_records once when the user says "tool"."""
    last = body["messages"][-1]
    if last["role"] == "user" and "tool" in str(last["content"]):
        base, table = str(last["content"]).split()[1:3]
        return Reply(
            tool_calls=[("get_records", {"base_id": base, "table": table, "max_records": 100})]
        )
    return Reply(text="done")


def grpc_call(
    target: str, token: str, call: Callable[[grpc.aio.Channel, Any], Awaitable[Any]]
) -> Make:
    async def make() -> Callable[[], Awaitable[bool]]:
        channel = grpc.aio.insecure_channel(target)
        metadata = (("authorization", f"Bearer {token}"),)

        async def one() -> bool:
            await call(channel, metadata)
            return True

        return one

    return make


def http_post(base: str, path: str, token: str, body: dict[str, Any]) -> Make:
    async def make() -> Callable[[], Awaitable[bool]]:
        client = httpx.AsyncClient(
            base_url=base, timeout=60, headers={"authorization": f"Bearer {token}"}
        )

        async def one() -> bool:
            return (await client.post(path, json=body)).status_code == 200

        return one

    return make


def seed(base: str) -> tuple[str, str, str]:
    email = f"ai{uuid.uuid4().hex[:8]}@example.com"
    account = httpx.post(
        f"{base}/api/v1/auth/register",
        json={"email": email, "password": "bench password", "first_name": "B", "last_name": "M"},
    ).json()
    token = account["access_token"]
    headers = {"authorization": f"Bearer {token}"}
    fields = [{"name": "Name", "type": "singleLineText"}, {"name": "Hours", "type": "number"}]
    made = httpx.post(
        f"{base}/api/v1/bases",
        headers=headers,
        json={"name": "Bench", "tables": [{"name": "Projects", "fields": fields}]},
    ).json()
    base_id, table_id = made["base"]["id"], made["tables"][0]["id"]
    for batch in range(10):
        records = [{"fields": {"Name": f"p{batch}-{i}", "Hours": i}} for i in range(10)]
        httpx.post(
            f"{base}/api/v1/bases/{base_id}/tables/{table_id}/records",
            headers=headers,
            json={"records": records},
        ).raise_for_status()
    return token, base_id, table_id


def targets(token: str, base_id: str, table_id: str) -> dict[str, Make]:
    gateway = f"http://127.0.0.1:{8000 + OFFSET}"
    airtable, mcp_target = f"127.0.0.1:{8002 + OFFSET}", f"127.0.0.1:{8001 + OFFSET}"
    path = f"/api/v1/bases/{base_id}/tables/{table_id}/records?page_size=100"
    arguments = struct_pb2.Struct()
    arguments.update({"base_id": base_id, "table": table_id, "max_records": 100})

    async def list_records(channel: grpc.aio.Channel, md: Any) -> Any:
        stub = at_grpc.AirtableServiceStub(channel)
        return await stub.ListRecords(
            at.ListRecordsRequest(base_id=base_id, table_id=table_id, page_size=100), metadata=md
        )

    async def call_tool(channel: grpc.aio.Channel, md: Any) -> Any:
        stub = mcp_grpc.McpServiceStub(channel)
        return await stub.CallTool(
            mcp.CallToolRequest(name="get_records", arguments=arguments), metadata=md
        )

    return {
        "ListRecords(100) REST via Envoy": loadgen.http_get(
            "127.0.0.1", 8000 + OFFSET, path, token
        ),
        "ListRecords(100) gRPC direct": grpc_call(airtable, token, list_records),
        "get_records tool via mcp (gRPC)": grpc_call(mcp_target, token, call_tool),
        "chat turn, no tool (REST)": http_post(
            gateway, "/api/v1/chat", token, {"message": "hello"}
        ),
        "chat turn, one tool call (REST)": http_post(
            gateway, "/api/v1/chat", token, {"message": f"tool {base_id} {table_id}"}
        ),
    }


def main() -> None:
    fake = FakeOpenAI().start()
    fake.responder = model_replies
    env = {
        **os.environ,
        "TABLEMESH_PORT_OFFSET": str(OFFSET),
        "TABLEMESH_VAR_DIR": str(VAR),
        "TABLEMESH_LOG_LEVEL": "warning",
        "TABLEMESH_AUTH_RATE_LIMIT_PER_MINUTE": "100000",
        "TABLEMESH_LLM_PROVIDER": "openai",
        "TABLEMESH_LLM_BASE_URL": fake.url,
        "TABLEMESH_LLM_API_KEY": fake.api_key,
    }
    subprocess.run(
        [str(BIN / "tablemesh"), "up", "--detach"], env=env, check=True, stdout=subprocess.DEVNULL
    )
    try:
        token, base_id, table_id = seed(f"http://127.0.0.1:{8000 + OFFSET}")
        results = {}
        for name, make in targets(token, base_id, table_id).items():
            clients = 4 if name.startswith("chat") else 8
            asyncio.run(loadgen.run(make, clients, 1.0))
            results[name] = asyncio.run(loadgen.run(make, clients, SECONDS))
    finally:
        subprocess.run(
            [str(BIN / "tablemesh"), "down"], env=env, check=False, stdout=subprocess.DEVNULL
        )
        fake.stop()
    report(results)


def report(results: dict[str, loadgen.Result]) -> None:
    table = Table(title=f"the AI chain, {SECONDS:.0f} s per row")
    for column in ("target", "req/s", "p50 ms", "p99 ms", "errors", "ratio"):
        table.add_column(column, justify="left" if column == "target" else "right")
    pairs = {
        "ListRecords(100) REST via Envoy": "ListRecords(100) gRPC direct",
        "get_records tool via mcp (gRPC)": "ListRecords(100) gRPC direct",
        "chat turn, one tool call (REST)": "chat turn, no tool (REST)",
    }
    for name, r in results.items():
        against = pairs.get(name)
        ratio = (
            f"{results[against].p50 and r.p50 / results[against].p50:.2f}x p50 vs "
            f"{against.split(' (')[0]}"
            if against
            else "baseline"
        )
        table.add_row(
            name, f"{r.rps:.0f}", f"{r.p50:.2f}", f"{r.percentile(0.99):.2f}", str(r.errors), ratio
        )
    Console(width=150).print(table)


if __name__ == "__main__":
    main()
