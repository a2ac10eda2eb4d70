"""Envoy clusters: one per mesh service, Envoy's own listener (JWKS), the trace collector."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from services.runtime import registry

Json = dict[str, Any]

HTTP2 = {
    "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
        "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
        "explicit_http_config": {
            "http2_protocol_options": {
                # Worker processes share a port (SO_REUSEPORT) and the kernel spreads
                # connections, not requests: a few streams per connection make Envoy open
                # several connections, so every worker gets a share of the load.
                "max_concurrent_streams": 4,
                # Notice a dead peer on an idle connection before a request is lost on it.
                "connection_keepalive": {"interval": "30s", "timeout": "5s"},
            }
        },
    }
}


def _split_host_port(address: str, default_port: int) -> tuple[str, int]:
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        return address.strip("[]"), default_port
    return host.strip("[]"), int(port)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _base(name: str, address: str, default_port: int = 0, more: Sequence[str] = ()) -> Json:
    """A cluster of one endpoint (and `more` host:port ones, as for peers); a host name
    (docker-compose) is resolved by DNS."""
    endpoints, static = [], True
    for each in (address, *more):
        host, port = _split_host_port(each, default_port)
        endpoints.append(
            {"endpoint": {"address": {"socket_address": {"address": host, "port_value": port}}}}
        )
        static = static and _is_ip(host)
    return {
        "name": name,
        "type": "STATIC" if static else "STRICT_DNS",
        "connect_timeout": "1s",
        "load_assignment": {
            "cluster_name": name,
            "endpoints": [{"lb_endpoints": endpoints}],
        },
    }


def peer_address(peer: str, port: int) -> str:
    return f"[{peer}]:{port}" if ":" in peer else f"{peer}:{port}"


def service_cluster(spec: registry.ServiceSpec, peers: Sequence[str] = ()) -> Json:
    """A mesh service: HTTP/2, gRPC health checked, with outlier detection and limits;
    balanced across this host's replica and each peer host's (TABLEMESH_PEERS)."""
    more = [peer_address(peer, spec.port) for peer in peers]
    cluster = _base(spec.name, spec.address, more=more)
    cluster.update(
        {
            "typed_extension_protocol_options": HTTP2,
            "health_checks": [
                {
                    "timeout": "1s",
                    "interval": "5s",
                    # Checks continue while no requests flow, at a short interval, so a
                    # freshly started service is marked healthy quickly.
                    "no_traffic_interval": "5s",
                    "unhealthy_threshold": 2,
                    "healthy_threshold": 1,
                    # "" asks for the whole server's health, as the gRPC protocol defines.
                    "grpc_health_check": {"service_name": ""},
                }
            ],
            "outlier_detection": {
                "consecutive_5xx": 5,
                "consecutive_gateway_failure": 5,
                "interval": "10s",
                "base_ejection_time": "30s",
                "max_ejection_percent": 100,
            },
            # A burst queues in Envoy rather than failing: at most 32 connections of 4
            # streams, so 128 calls at once reach a service (its processes' Redis and
            # PostgreSQL pools are sized for that, not for every open client connection);
            # the rest wait in a queue as deep as the gateway's connection cap, for at most
            # the route timeout. Measured: 500 connections on /users/me, no 5xx.
            "circuit_breakers": {
                "thresholds": [
                    {
                        "priority": "DEFAULT",
                        "max_connections": 32,
                        "max_pending_requests": 10000,
                        "max_requests": 10000,
                        # Retries may add a fifth to the load, never more.
                        "retry_budget": {
                            "budget_percent": {"value": 20.0},
                            "min_retry_concurrency": 8,
                        },
                    }
                ]
            },
        }
    )
    return cluster


# A listener on every address is reached through loopback.
WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}


def self_cluster(gateway_host: str) -> Json:
    """Envoy's own listener: jwt_authn fetches the JWKS through the transcoded REST route."""
    host = WILDCARDS.get(gateway_host, gateway_host)
    return _base("self", f"[{host}]:{registry.gateway_port()}")


def otel_cluster(endpoint: str | None) -> Json:
    """The OTLP/gRPC trace collector: the configured endpoint, else the platform service."""
    if not endpoint:
        address, tls = registry.spec("platform").address, False
    else:
        parts = urlsplit(endpoint if "://" in endpoint else f"http://{endpoint}")
        address, tls = parts.netloc, parts.scheme == "https"
    cluster = _base("otel_collector", address, default_port=443 if tls else 4317)
    cluster["typed_extension_protocol_options"] = HTTP2
    if tls:
        host = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]
        cluster["transport_socket"] = {
            "name": "envoy.transport_sockets.tls",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3"
                ".UpstreamTlsContext",
                "sni": host["address"]["socket_address"]["address"],
            },
        }
    return cluster


def build_clusters(
    otel_endpoint: str | None, gateway_host: str = "127.0.0.1", peers: Sequence[str] = ()
) -> list[Json]:
    return [
        *(service_cluster(spec, peers) for spec in registry.SERVICES),
        self_cluster(gateway_host),
        otel_cluster(otel_endpoint),
    ]
