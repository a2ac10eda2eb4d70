"""The tools the model may call, from the mcp service over gRPC, as the caller.

The mesh client layer sends the caller's own token with each call, so mcp (and airtable
behind it) scope every tool to the caller's tenant. A failed call becomes an error result
the model can read and react to, not a failed turn.
"""

from __future__ import annotations

import json
import time
from typing import Any

import grpc
from google.protobuf import json_format
from tablemesh.mcp.v1 import mcp_service_pb2 as mcp_pb
from tablemesh.mcp.v1.mcp_service_pb2_grpc import McpServiceStub

from services.llm.loop import ToolOutcome
from services.llm.providers.base import ToolSpec
from services.runtime.clients import MeshClients
from services.runtime.failures import downstream_error
from services.runtime.structs import fill_struct

# The tool list is the same for everyone; it is asked for again after this many seconds.
TOOLS_TTL = 60.0
CALL_TIMEOUT = 60.0


class McpTools:
    def __init__(self, clients: MeshClients) -> None:
        self._clients = clients
        self._tools: list[ToolSpec] = []
        self._fetched_at = 0.0

    def _stub(self) -> McpServiceStub:
        return self._clients.stub(McpServiceStub, "mcp")

    async def list_tools(self) -> list[ToolSpec]:
        if self._tools and time.monotonic() - self._fetched_at < TOOLS_TTL:
            return self._tools
        try:
            reply = await self._stub().ListTools(mcp_pb.ListToolsRequest(), timeout=10)
        except grpc.aio.AioRpcError as exc:
            raise downstream_error(exc, "mcp", passed_on={}) from exc
        self._tools = [
            ToolSpec(t.name, t.description, json_format.MessageToDict(t.input_schema))
            for t in reply.tools
        ]
        self._fetched_at = time.monotonic()
        return self._tools

    async def call(self, name: str, arguments: dict[str, Any]) -> ToolOutcome:
        request = mcp_pb.CallToolRequest(name=name)
        fill_struct(request.arguments, arguments)
        try:
            reply = await self._stub().CallTool(request, timeout=CALL_TIMEOUT)
        except grpc.aio.AioRpcError as exc:
            return ToolOutcome(f"{exc.code().name}: {exc.details()}", True)
        text = reply.text
        if not text and reply.HasField("structured_content"):
            text = json.dumps(json_format.MessageToDict(reply.structured_content))
        return ToolOutcome(text, reply.is_error)
