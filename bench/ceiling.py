"""The ceiling of this stack: REST through Envoy into a Python servicer that does nothing.

`python -m bench.ceiling PORT` runs UsersService.GetUser answering a fixed user on the
shared runtime's gRPC server (runtime/server.grpc_server) with no interceptors; several
such processes share the port (SO_REUSEPORT) like a service's workers. `config(...)`
renders an Envoy config of the same shape as the gateway's (listener, connection manager,
the transcoder on the same descriptor set, the router, an HTTP/2 cluster with the gateway's
connection settings), with none of the gateway's other filters: what is left is the cost
of Envoy + gRPC + Python.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from tablemesh.users.v1 import users_service_pb2 as pb
from tablemesh.users.v1 import users_service_pb2_grpc as pb_grpc

from services.gateway.clusters import HTTP2
from services.gateway.envoy_config import transcoder
from services.runtime.server import grpc_server

SERVICE = "tablemesh.users.v1.UsersService"
USER = pb.User(id="00000000-0000-4000-8000-000000000000", email="noop@example.com")


class NoopUsers(pb_grpc.UsersServiceServicer):
    async def GetUser(self, request: pb.GetUserRequest, context: Any) -> pb.GetUserResponse:
        return pb.GetUserResponse(user=USER)


async def _serve(port: int) -> None:
    server = grpc_server()
    pb_grpc.add_UsersServiceServicer_to_server(NoopUsers(), server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    await server.wait_for_termination()


def _address(port: int) -> dict[str, Any]:
    return {"socket_address": {"address": "127.0.0.1", "port_value": port}}


def config(listen_port: int, upstream_port: int, admin_port: int) -> dict[str, Any]:
    cluster = {
        "name": "noop",
        "type": "STATIC",
        "connect_timeout": "1s",
        "typed_extension_protocol_options": HTTP2,
        "circuit_breakers": {"thresholds": [{"max_connections": 32, "max_requests": 10000}]},
        "load_assignment": {
            "cluster_name": "noop",
            "endpoints": [{"lb_endpoints": [{"endpoint": {"address": _address(upstream_port)}}]}],
        },
    }
    manager = {
        "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager"
        ".v3.HttpConnectionManager",
        "stat_prefix": "ceiling",
        "codec_type": "AUTO",
        "route_config": {
            "virtual_hosts": [
                {
                    "name": "noop",
                    "domains": ["*"],
                    "routes": [{"match": {"prefix": "/"}, "route": {"cluster": "noop"}}],
                }
            ]
        },
        "http_filters": [
            {
                "name": "envoy.filters.http.grpc_json_transcoder",
                "typed_config": transcoder([SERVICE]),
            },
            {
                "name": "envoy.filters.http.router",
                "typed_config": {
                    "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"
                },
            },
        ],
    }
    listener = {
        "name": "ceiling",
        "address": _address(listen_port),
        "filter_chains": [
            {
                "filters": [
                    {
                        "name": "envoy.filters.network.http_connection_manager",
                        "typed_config": manager,
                    }
                ]
            }
        ],
    }
    return {
        "admin": {"address": _address(admin_port)},
        "static_resources": {"listeners": [listener], "clusters": [cluster]},
    }


def write_config(path: Path, listen_port: int, upstream_port: int, admin_port: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config(listen_port, upstream_port, admin_port)))
    return path


def main() -> None:
    asyncio.run(_serve(int(sys.argv[1])))


if __name__ == "__main__":
    main()
