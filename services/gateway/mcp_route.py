"""The gateway's /mcp route: MCP streamable HTTP to the mcp service's HTTP port.

It is plain HTTP/1.1 (JSON-RPC POSTs answered as JSON or SSE), not gRPC, so it has its own
cluster, skips the transcoder and the body buffer, and has no overall timeout (an SSE
answer streams) but an idle one. A token is required (jwt_authn) and checked again by the
service; CORS works as on every route, with the MCP headers allowed.
"""

from __future__ import annotations

import os
from typing import Any

from services.gateway.clusters import _base
from services.runtime import registry

Json = dict[str, Any]

PATH = "/mcp"
CLUSTER = "mcp_http"
IDLE_TIMEOUT = "300s"
MCP_HEADERS = "mcp-protocol-version, mcp-session-id, last-event-id, mcp-method, mcp-name"
MCP_EXPOSE = "mcp-session-id, mcp-protocol-version"

# Per-route switches for filters that must not touch an MCP request.
_DISABLED: Json = {
    "@type": "type.googleapis.com/envoy.config.route.v3.FilterConfig",
    "disabled": True,
}


def address() -> str:
    """host:port of the MCP endpoint; TABLEMESH_MCP_HTTP_ADDR overrides it (containers)."""
    return os.environ.get("TABLEMESH_MCP_HTTP_ADDR") or f"127.0.0.1:{registry.mcp_http_port()}"


def mcp_cluster() -> Json:
    cluster = _base(CLUSTER, address())
    cluster["circuit_breakers"] = {
        "thresholds": [{"priority": "DEFAULT", "max_connections": 1024, "max_requests": 4096}]
    }
    return cluster


def mcp_route(cors: Json) -> Json:
    """Matches /mcp and /mcp/..., not /mcpx."""
    policy = {
        **cors,
        "allow_headers": f"{cors['allow_headers']}, {MCP_HEADERS}",
        "expose_headers": f"{cors['expose_headers']}, {MCP_EXPOSE}",
        "allow_methods": f"{cors['allow_methods']}, HEAD",
    }
    return {
        "match": {"path_separated_prefix": PATH},
        "route": {"cluster": CLUSTER, "timeout": "0s", "idle_timeout": IDLE_TIMEOUT},
        "typed_per_filter_config": {
            "envoy.filters.http.cors": policy,
            "envoy.filters.http.buffer": {
                "@type": "type.googleapis.com/envoy.extensions.filters.http.buffer.v3"
                ".BufferPerRoute",
                "disabled": True,
            },
            "envoy.filters.http.grpc_json_transcoder": _DISABLED,
        },
    }


def mcp_jwt_rule(provider: str) -> Json:
    return {"match": {"path_separated_prefix": PATH}, "requires": {"provider_name": provider}}
