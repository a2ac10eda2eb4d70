"""Runs the mcp service: `python -m services.mcp.main`.

One process serves gRPC (McpService) on its registry port and MCP over streamable HTTP on
registry.mcp_http_port(), both in the same event loop.
"""

from __future__ import annotations

# First, before anything imports structlog (see the module).
import services.runtime.no_rich  # noqa: F401

# isort: split
import grpc
from tablemesh.mcp.v1 import mcp_service_pb2_grpc as pb_grpc

from services.mcp.http_app import McpHttp, caller_of_request
from services.mcp.protocol import build_server
from services.mcp.servicer import McpServicer
from services.mcp.tables import Tables
from services.mcp.tools import catalog
from services.runtime import registry
from services.runtime.server import Deps, run


def register(server: grpc.aio.Server, deps: Deps) -> None:
    tools = catalog()
    tables = Tables(deps.clients)
    pb_grpc.add_McpServiceServicer_to_server(McpServicer(tools, tables), server)
    http = McpHttp(
        build_server(tools, tables, caller_of_request), deps.verifier, deps.settings.shutdown_grace
    )
    http.start(deps.settings.host, registry.mcp_http_port())
    deps.on_stop.append(http.stop)


def main() -> None:
    run("mcp", register)


if __name__ == "__main__":
    main()
