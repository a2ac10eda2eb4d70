"""`tablemesh mcp-stdio` driven by the official MCP client SDK over stdio, as a desktop
client runs it: with an API key (exchanged for a token) or an access token."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.shared.exceptions import MCPError

from tests.e2e.mesh import BIN
from tests.mcp.conftest import McpMesh, User, as_json, text_of

TABLEMESH = str(BIN / "tablemesh")


@asynccontextmanager
async def stdio_session(mesh: McpMesh, **env: str) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(
        command=TABLEMESH,
        args=["mcp-stdio"],
        env={"TABLEMESH_PORT_OFFSET": str(mesh.offset), **env},
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write) as client:
        await client.initialize()
        yield client


async def test_with_an_api_key(mcp_mesh: McpMesh, alice: User) -> None:
    async with stdio_session(mcp_mesh, TABLEMESH_API_KEY=mcp_mesh.api_key(alice)) as client:
        assert len((await client.list_tools()).tools) == 14
        result = await client.call_tool(
            "search_records", {"base_id": alice.base_id, "table": "Projects", "query": "gem"}
        )
        assert not result.is_error, text_of(result)
        assert [r["fields"]["Name"] for r in as_json(result)["records"]] == ["Gemini"]


async def test_with_an_access_token_writes_as_the_user(mcp_mesh: McpMesh) -> None:
    user = mcp_mesh.with_base(mcp_mesh.user(), rows=[])
    async with stdio_session(mcp_mesh, TABLEMESH_ACCESS_TOKEN=user.token) as client:
        result = await client.call_tool(
            "create_record", {"base_id": user.base_id, "table": "Projects", "fields": {"Name": "S"}}
        )
        assert not result.is_error, text_of(result)
    assert [r["fields"] for r in mcp_mesh.records(user)] == [{"Name": "S"}]


async def test_bad_input_and_other_tenants(mcp_mesh: McpMesh, alice: User) -> None:
    mallory = mcp_mesh.with_base(mcp_mesh.user())
    async with stdio_session(mcp_mesh, TABLEMESH_ACCESS_TOKEN=alice.token) as client:
        with pytest.raises(MCPError, match="unknown tool 'drop_tables'"):
            await client.call_tool("drop_tables", {})
        result = await client.call_tool("get_records", {"base_id": alice.base_id})
        assert result.is_error and "arguments.table: is required" in text_of(result)
        result = await client.call_tool("list_tables", {"base_id": mallory.base_id})
        assert result.is_error and text_of(result).startswith("NOT_FOUND: ")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "set TABLEMESH_API_KEY (an API key) or TABLEMESH_ACCESS_TOKEN"),
        ({"TABLEMESH_API_KEY": "tmk_not_a_key"}, "TABLEMESH_API_KEY was refused"),
        ({"TABLEMESH_ACCESS_TOKEN": "nonsense"}, "TABLEMESH_ACCESS_TOKEN is not a JWT"),
    ],
)
def test_bad_credentials_stop_it_with_a_message(
    mcp_mesh: McpMesh, env: dict[str, str], message: str
) -> None:
    run = subprocess.run(
        [TABLEMESH, "mcp-stdio"],
        env={"PATH": str(BIN), "TABLEMESH_PORT_OFFSET": str(mcp_mesh.offset), **env},
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 2, run.stderr
    assert message in run.stderr
    assert run.stdout == ""
