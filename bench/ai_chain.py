"""Benchmark of the AI chain, in one run: a get_records tool call through mcp against the
direct airtable call it wraps (and ListRecords through Envoy), and a chat turn with a
scripted model that answers instantly against that model call on its own.

Every target runs twice: one client at a time (the latency of the path itself: what the
goals compare) and under load (several clients: throughput and queueing). Beside each run,
the CPU time per request of the mesh processes involved, from /proc/<pid>/stat (stable on
a noisy machine where wall-clock times are not). `make bench-ai` (DATABASE_URL/REDIS_URL
when set, else embedded; BENCH_PORT_OFFSET, BENCH_SECONDS, BENCH_CLIENTS, BENCH_ONLY)."""

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
from tablemesh.airtable.v1 import airtable_service_pb2 as at
from tablemesh.airtable.v1 import airtable_service_pb2_grpc as at_grpc
from tablemesh.llm.v1 import llm_service_pb2 as llm
from tablemesh.llm.v1 import llm_service_pb2_grpc as llm_grpc
from tablemesh.mcp.v1 import mcp_service_pb2 as mcp
from tablemesh.mcp.v1 import mcp_service_pb2_grpc as mcp_grpc

from bench import loadgen
from bench.ai_report import Run, mesh_pids, report, run_measured
from tests.llm.fake_openai import FakeOpenAI, Reply

# Not 2000, the users bench's offset, so both benches can run on one machine at once.
OFFSET = int(os.environ.get("BENCH_PORT_OFFSET", "2500"))
BIN = Path(sys.executable).parent
VAR = Path(f"var/bench-ai-{OFFSET}").resolve()
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
# Only the rows whose names contain one of these (comma-separated), when set.
ONLY = [word for word in os.environ.get("BENCH_ONLY", "").split(",") if word]
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


def http_post(base: str, path: str, headers: dict[str, str], body: dict[str, Any]) -> Make:
    async def make() -> Callable[[], Awaitable[bool]]:
        client = httpx.AsyncClient(base_url=base, timeout=60, headers=headers)

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


def model_request(gateway: str, token: str, fake: FakeOpenAI) -> dict[str, Any]:
    """The body the orchestrator sends the model for a new "hello" session (system
    prompt, message, every tool's schema), taken from a real turn: the direct model row
    replays it, so the model's own time is measured on the same work."""
    headers = {"authorization": f"Bearer {token}"}
    httpx.post(f"{gateway}/api/v1/chat", headers=headers, json={"message": "hello"}, timeout=60)
    return fake.requests[-1]


def targets(token: str, base_id: str, table_id: str, fake: FakeOpenAI) -> dict[str, Make]:
    gateway = f"http://127.0.0.1:{8000 + OFFSET}"
    airtable, mcp_target = f"127.0.0.1:{8002 + OFFSET}", f"127.0.0.1:{8001 + OFFSET}"
    llm_target = f"127.0.0.1:{8003 + OFFSET}"
    path = f"/api/v1/bases/{base_id}/tables/{table_id}/records?page_size=100"
    arguments = struct_pb2.Struct()
    arguments.update({"base_id": base_id, "table": table_id, "max_records": 100})
    auth = {"authorization": f"Bearer {token}"}
    model_body = model_request(gateway, token, fake)

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

    async def chat(channel: grpc.aio.Channel, md: Any) -> Any:
        stub = llm_grpc.LlmServiceStub(channel)
        return await stub.Chat(llm.ChatRequest(message="hello"), metadata=md, timeout=60)

    model_auth = {"authorization": f"Bearer {fake.api_key}"}
    return {
        "ListRecords(100) gRPC direct": grpc_call(airtable, token, list_records),
        "ListRecords(100) REST via Envoy": loadgen.http_get(
            "127.0.0.1", 8000 + OFFSET, path, token
        ),
        "get_records tool via mcp (gRPC)": grpc_call(mcp_target, token, call_tool),
        "scripted model call alone (HTTP)": http_post(
            fake.url, "/chat/completions", model_auth, model_body
        ),
        "chat turn, no tool (gRPC to llm)": grpc_call(llm_target, token, chat),
        "chat turn, no tool (REST)": http_post(gateway, "/api/v1/chat", auth, {"message": "hello"}),
        "chat turn, one tool call (REST)": http_post(
            gateway, "/api/v1/chat", auth, {"message": f"tool {base_id} {table_id}"}
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
        # The mesh's model service is not measured here (bench/local_model.py does): the
        # smallest model keeps it off the CPU the chain is measured on.
        "TABLEMESH_MODEL": "smollm2-135m",
    }
    subprocess.run(
        [str(BIN / "tablemesh"), "up", "--detach"], env=env, check=True, stdout=subprocess.DEVNULL
    )
    runs: list[Run] = []
    try:
        token, base_id, table_id = seed(f"http://127.0.0.1:{8000 + OFFSET}")
        pids = mesh_pids(VAR, ("llm", "mcp", "airtable", "envoy"))
        for name, make in targets(token, base_id, table_id, fake).items():
            if ONLY and not any(word in name for word in ONLY):
                continue
            asyncio.run(loadgen.run(make, 2, 1.0))  # warm up: channels, caches, JIT-free paths
            for clients in (1, CLIENTS):
                runs.append(run_measured(name, make, clients, SECONDS, pids))
                fake.requests.clear()
    finally:
        subprocess.run(
            [str(BIN / "tablemesh"), "down"], env=env, check=False, stdout=subprocess.DEVNULL
        )
        fake.stop()
    report(runs, SECONDS, CLIENTS)


if __name__ == "__main__":
    main()
