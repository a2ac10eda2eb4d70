"""The tools as a Model Context Protocol server (the official SDK's low-level Server), shared
by the streamable HTTP endpoint and stdio.

How outcomes look over MCP:
- an unknown tool is a JSON-RPC error, INVALID_PARAMS (-32602) "unknown tool 'x'", as the
  MCP spec shows for unknown tools;
- arguments that break the schema are a result with isError=true whose text names each
  bad path, as the spec asks for input validation errors (the model can correct itself);
  structuredContent carries {"error": {"code": "INVALID_ARGUMENT", "violations": [...]}};
- a tool that ran and failed (another tenant's base: NOT_FOUND) is an isError result with
  {"error": {"code": "NOT_FOUND", "message": ...}} as structuredContent.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError

from services.mcp.catalog import Catalog, ToolResult
from services.mcp.tables import Tables
from services.runtime import logs
from services.runtime.errors import DomainError, InvalidArgument, NotFound
from services.runtime.identity import Caller, set_caller
from services.runtime.interceptors import VERSION

Identify = Callable[[ServerRequestContext[Any, Any]], Awaitable[Caller]]
log = logs.get("mcp")

INSTRUCTIONS = (
    "Tools over the caller's Airtable-style bases. Start with list_tables(base_id) to learn "
    "the tables and fields; then read with get_records, search_records or "
    "analyze_table_data, and write with the create/update/delete tools."
)


def mcp_result(result: ToolResult) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(text=result.content_text)],
        structured_content=result.data,
        is_error=result.is_error,
    )


def invalid_arguments(error: InvalidArgument) -> types.CallToolResult:
    violations = [{"field": f, "description": d} for f, d in error.violations]
    data = {
        "error": {"code": "INVALID_ARGUMENT", "message": error.message, "violations": violations}
    }
    return mcp_result(ToolResult(data, f"INVALID_ARGUMENT: {error.message}", True))


def build_server(catalog: Catalog, tables: Tables, identify: Identify) -> Server[Any]:
    listed = [
        types.Tool(name=t.name, description=t.description, input_schema=t.input_schema)
        for t in catalog.tools
    ]
    schemas = {t.name: t.input_schema for t in catalog.tools}

    async def list_tools(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=listed)

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        start = time.perf_counter()
        caller = await identify(ctx)
        # The airtable calls below carry this caller's token (runtime.clients reads it).
        set_caller(caller)
        try:
            result = mcp_result(await catalog.call(params.name, params.arguments, tables))
        except NotFound as exc:
            raise MCPError(types.INVALID_PARAMS, exc.message) from exc
        except InvalidArgument as exc:
            result = invalid_arguments(exc)
        except DomainError as exc:
            raise MCPError(types.INVALID_REQUEST, exc.message) from exc
        finally:
            set_caller(None)
        log.info(
            "tool",
            tool=params.name,
            is_error=result.is_error,
            tenant_id=caller.tenant_id,
            user_id=caller.user_id,
            duration_ms=round((time.perf_counter() - start) * 1000, 2),
        )
        return result

    return Server(
        "tablemesh",
        version=VERSION,
        title="tablemesh tables",
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        get_tool_input_schema=schemas.get,
    )
