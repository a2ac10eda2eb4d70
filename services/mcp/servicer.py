"""gRPC face of the mcp service: ListTools and CallTool over the shared catalog.

A tool that ran and failed (another tenant's base: NOT_FOUND downstream) answers OK with
is_error=true, its text saying why and structured_content {"error": {"code", "message"}},
as the contract says; an unknown tool is NOT_FOUND and bad arguments INVALID_ARGUMENT.
"""

from __future__ import annotations

from tablemesh.mcp.v1 import mcp_service_pb2 as pb
from tablemesh.mcp.v1 import mcp_service_pb2_grpc as pb_grpc

from services.mcp.catalog import Catalog
from services.mcp.tables import Tables
from services.runtime.errors import invalid
from services.runtime.structs import dict_of, fill_struct
from services.runtime.wire import Ctx


class McpServicer(pb_grpc.McpServiceServicer):
    def __init__(self, catalog: Catalog, tables: Tables) -> None:
        self.catalog = catalog
        self.tables = tables
        self._listed = pb.ListToolsResponse()
        for tool in catalog.tools:
            listed = self._listed.tools.add(name=tool.name, description=tool.description)
            listed.input_schema.update(tool.input_schema)

    async def ListTools(self, request: pb.ListToolsRequest, context: Ctx) -> pb.ListToolsResponse:
        return self._listed

    async def CallTool(self, request: pb.CallToolRequest, context: Ctx) -> pb.CallToolResponse:
        if not request.name:
            raise invalid("name", "is required")
        # A Struct has only doubles: 10 arrives as 10.0, which integer arguments need as 10.
        arguments = dict_of(request.arguments)
        result = await self.catalog.call(request.name, arguments, self.tables)
        reply = pb.CallToolResponse(text=result.content_text, is_error=result.is_error)
        fill_struct(reply.structured_content.struct_value, result.data)
        return reply
