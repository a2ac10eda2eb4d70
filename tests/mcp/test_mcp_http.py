"""The official MCP client SDK over streamable HTTP: on the mcp service's own port and
through Envoy at /mcp, in the initialize-handshake era (ClientSession) and the per-request
era (Client, which negotiates the newest version)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client, ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS

from tests.e2e.mesh import bearer
from tests.mcp.conftest import McpMesh, User, as_json, text_of


@pytest.fixture(params=["direct", "envoy"])
def url(request: pytest.FixtureRequest, mcp_mesh: McpMesh) -> str:
    return mcp_mesh.mcp_url if request.param == "direct" else f"{mcp_mesh.base_url}/mcp"


@asynccontextmanager
async def session(url: str, token: str) -> AsyncIterator[ClientSession]:
    async with (
        httpx2.AsyncClient(headers=bearer(token), timeout=30) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as client,
    ):
        await client.initialize()
        yield client


async def test_list_and_call_tools(url: str, alice: User) -> None:
    async with session(url, alice.token) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert len(tools) == 14
        assert tools["get_records"].input_schema["required"] == ["base_id", "table"]
        result = await client.call_tool(
            "get_records",
            {"base_id": alice.base_id, "table": "Projects", "filter_by_formula": "{Hours} > 2"},
        )
        assert not result.is_error, text_of(result)
        names = sorted(r["fields"]["Name"] for r in as_json(result)["records"])
        assert names == ["Apollo", "Gemini"]
        assert result.structured_content is not None
        assert result.structured_content["count"] == 2


async def test_writes_act_as_the_caller(url: str, mcp_mesh: McpMesh) -> None:
    user = mcp_mesh.with_base(mcp_mesh.user(), rows=[])
    async with session(url, user.token) as client:
        result = await client.call_tool(
            "create_record", {"base_id": user.base_id, "table": "Projects", "fields": {"Name": "Z"}}
        )
        assert not result.is_error, text_of(result)
    assert [r["fields"] for r in mcp_mesh.records(user)] == [{"Name": "Z"}]


async def test_the_newest_protocol_era(url: str, alice: User) -> None:
    async with (
        httpx2.AsyncClient(headers=bearer(alice.token), timeout=30) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        assert len((await client.list_tools()).tools) == 14
        result = await client.call_tool(
            "analyze_table_data", {"base_id": alice.base_id, "table": "Projects"}
        )
        assert not result.is_error, text_of(result)
        assert as_json(result)["fields"]["Hours"]["numeric"]["sum"] == 8.5
        with pytest.raises(MCPError) as caught:
            await client.call_tool("drop_tables", {})
        assert caught.value.code == INVALID_PARAMS


async def test_unknown_tool_is_a_protocol_error(url: str, alice: User) -> None:
    async with session(url, alice.token) as client:
        with pytest.raises(MCPError) as caught:
            await client.call_tool("drop_tables", {"base_id": alice.base_id})
    assert caught.value.code == INVALID_PARAMS
    assert caught.value.message == "unknown tool 'drop_tables'"


async def test_bad_arguments_name_the_path_and_change_nothing(
    url: str, mcp_mesh: McpMesh, alice: User
) -> None:
    before = mcp_mesh.records(alice)
    records: list[dict[str, Any]] = [
        {"fields": {"Name": "ok"}},
        {"fields": ["not", "an", "object"]},
    ]
    async with session(url, alice.token) as client:
        result = await client.call_tool(
            "batch_create_records",
            {"base_id": alice.base_id, "table": "Projects", "records": records},
        )
    assert result.is_error
    assert text_of(result).startswith("INVALID_ARGUMENT: arguments.records[1].fields: ")
    error = (result.structured_content or {})["error"]
    assert error["code"] == "INVALID_ARGUMENT"
    assert [v["field"] for v in error["violations"]] == ["arguments.records[1].fields"]
    assert mcp_mesh.records(alice) == before


async def test_another_tenants_base_is_not_found(
    url: str, mcp_mesh: McpMesh, alice: User, mallory: User
) -> None:
    before = mcp_mesh.records(mallory)
    async with session(url, alice.token) as client:
        attempts: list[tuple[str, dict[str, Any]]] = [
            ("get_records", {"table": "Projects"}),
            ("create_record", {"table": "Projects", "fields": {"Name": "pwned"}}),
        ]
        for tool, extra in attempts:
            result = await client.call_tool(tool, {"base_id": mallory.base_id, **extra})
            assert result.is_error
            assert (result.structured_content or {})["error"]["code"] == "NOT_FOUND"
            assert text_of(result).startswith("NOT_FOUND: ")
    assert mcp_mesh.records(mallory) == before


def test_missing_or_bad_token_is_401(url: str, mcp_mesh: McpMesh) -> None:
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    accept = {"accept": "application/json, text/event-stream"}
    for headers in [
        accept,
        {**accept, "authorization": "Bearer not.a.jwt"},
        {**accept, "authorization": "Basic eDp5"},
    ]:
        reply = httpx.post(url, json=ping, headers=headers, timeout=10)
        assert reply.status_code == 401, (headers, reply.text)
        assert reply.json()["code"] == 16
    user = mcp_mesh.user()
    logout = mcp_mesh.http.post("/api/v1/auth/logout", json={}, headers=bearer(user.token))
    assert logout.status_code == 200, logout.text
    reply = httpx.post(url, json=ping, headers={**accept, **bearer(user.token)}, timeout=10)
    assert reply.status_code == 401


async def test_the_sdk_client_fails_without_a_good_token(url: str) -> None:
    with pytest.raises(ExceptionGroup) as caught:
        async with session(url, "not.a.jwt"):
            pass
    assert caught.group_contains(MCPError, depth=None)


def test_cors_preflight_through_envoy(mcp_mesh: McpMesh) -> None:
    reply = mcp_mesh.http.options(
        "/mcp",
        headers={
            "origin": "http://localhost:3000",
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization, content-type, mcp-protocol-version",
        },
    )
    assert reply.status_code == 200
    assert reply.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "mcp-protocol-version" in reply.headers["access-control-allow-headers"]
