"""Render the Envoy gateway config from envoy/gateway.yaml.tmpl.

The skeleton holds what never changes; this module fills in what comes from the registry
(ports, clusters), the settings (origins, issuer, limits) and the protos (routes, JWT rules).
The launcher calls `render(path)` and runs `command(path)`
(`envoy -c <path> --base-id <port offset> ...`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from string import Template
from typing import Any

from services.gateway.clusters import build_clusters
from services.gateway.console_route import console_routes
from services.gateway.http_rules import DESCRIPTOR_SET, ROOT, Method, exposed, load_methods
from services.gateway.local_replies import local_reply_config
from services.gateway.mcp_route import mcp_cluster, mcp_jwt_rule, mcp_route
from services.gateway.routes import PROVIDER, build_jwt_rules, build_routes
from services.gateway.tracing import with_forced_tracing
from services.runtime import registry
from services.runtime.config import Settings, llm_call_timeout, settings

Json = dict[str, Any]

TEMPLATE = ROOT / "envoy" / "gateway.yaml.tmpl"

CORS_METHODS = "GET, POST, PATCH, PUT, DELETE, OPTIONS"
CORS_HEADERS = (
    "authorization, content-type, x-request-id, traceparent, x-client-trace-id, grpc-timeout, "
    "x-grpc-web"
)
CORS_EXPOSE = "grpc-status, grpc-message, x-request-id"
# A client has this long to send its whole header block (slow-client defence).
REQUEST_HEADERS_TIMEOUT = "10s"
# Request line plus headers; beyond it Envoy answers 431. The services accept 64 KiB of
# metadata, room for this twice over (the transcoder forwards the REST path as
# x-envoy-original-path beside the gRPC one), so below it a request never fails for size.
MAX_REQUEST_HEADERS_KB = 16


def cors_policy(origins: list[str]) -> Json:
    matchers = [{"safe_regex": {"regex": ".*"}} if o == "*" else {"exact": o} for o in origins]
    return {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy",
        "allow_origin_string_match": matchers,
        "allow_methods": CORS_METHODS,
        "allow_headers": CORS_HEADERS,
        "expose_headers": CORS_EXPOSE,
        "max_age": "86400",
    }


def jwt_authn(conf: Settings, methods: list[Method]) -> Json:
    jwks_uri = f"http://127.0.0.1:{registry.gateway_port()}/api/v1/auth/jwks"
    provider = {
        "issuer": conf.jwt_issuer,
        "audiences": [conf.jwt_audience],
        "remote_jwks": {
            # Envoy's own listener transcodes this to AuthService.GetJwks.
            "http_uri": {"uri": jwks_uri, "cluster": "self", "timeout": "5s"},
            "cache_duration": "300s",
            # Fetch in the background, and do not hold the listener back for it: the fetch
            # goes through that very listener. A failed fetch is retried every second.
            "async_fetch": {"fast_listener": True, "failed_refetch_duration": "1s"},
            # The first fetch usually races the auth service's start.
            "retry_policy": {
                "num_retries": 5,
                "retry_back_off": {"base_interval": "0.2s", "max_interval": "2s"},
            },
        },
        # Verified tokens are kept (until they expire) so a busy client's token is not
        # re-verified on every request.
        "jwt_cache_config": {"jwt_cache_size": 10000},
        # Services verify the token again themselves (defence in depth).
        "forward": True,
        "from_headers": [{"name": "authorization", "value_prefix": "Bearer "}],
    }
    return {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication",
        "providers": {PROVIDER: provider},
        "rules": build_jwt_rules(methods, also_protected=(mcp_jwt_rule(PROVIDER),)),
        "bypass_cors_preflight": True,
    }


def transcoder(services: list[str]) -> Json:
    return {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.grpc_json_transcoder.v3"
        ".GrpcJsonTranscoder",
        # Envoy 1.40 refuses `response_body` naming anything but a google.api.HttpBody
        # field (envoyproxy/envoy#11136); the validate test shows its message if one appears.
        "proto_descriptor": str(DESCRIPTOR_SET),
        "services": services,
        "print_options": {
            "preserve_proto_field_names": True,
            "always_print_primitive_fields": True,
            # A server stream is one JSON object per line, each sent as it comes (a
            # browser's stream reader splits on newlines), not one growing JSON array.
            "stream_newline_delimited": True,
        },
        "convert_grpc_status": True,
        # Browsers and HTTP clients encode a space in a query as "+" (HTML forms); without
        # this, "sort=Hours+desc" or a formula would arrive with literal plus signs.
        "query_param_unescape_plus": True,
        # Only annotated routes are REST; without this any /pkg.Service/Method would be.
        "auto_mapping": False,
        # Without these, unknown paths and parameters leak upstream and come back as 503.
        "request_validation_options": {
            "reject_unknown_method": True,
            "reject_unknown_query_parameters": True,
        },
    }


def substitutions(conf: Settings) -> dict[str, object]:
    """Every value the template needs, by placeholder name."""
    services = registry.api_services()
    methods = load_methods(services)
    by_cluster: dict[str, list[Method]] = {
        spec.name: [m for m in methods if m.service in spec.grpc_services]
        for spec in registry.SERVICES
        if spec.in_api
    }
    values: dict[str, object] = {
        "admin_host": conf.envoy_admin_host,
        "admin_port": registry.envoy_admin_port(),
        "gateway_host": conf.gateway_host,
        "gateway_port": registry.gateway_port(),
        "max_heap_bytes": conf.gateway_max_heap_mb * 1024 * 1024,
        "request_headers_timeout": REQUEST_HEADERS_TIMEOUT,
        "max_request_headers_kb": MAX_REQUEST_HEADERS_KB,
        "connection_buffer_bytes": conf.max_request_bytes + 64 * 1024,
        "max_request_bytes": conf.max_request_bytes,
        "local_reply_config": local_reply_config(),
        "cors_policy": cors_policy(conf.cors_origins),
        # /mcp first; the API's routes, then the console's, which end with the catch-all.
        "routes": [
            mcp_route(cors_policy(conf.cors_origins)),
            *build_routes(
                by_cluster,
                # Every model call of a turn may take llm_timeout, plus time for the tools.
                f"{int(llm_call_timeout(conf) * conf.llm_max_steps) + 30}s",
                fallback=[],
            ),
        ],
        "jwt_authn": jwt_authn(conf, methods),
        "transcoder": transcoder(services),
        "clusters": [
            *build_clusters(conf.otel_exporter_otlp_endpoint, conf.gateway_host, conf.peers),
            mcp_cluster(),
        ],
        "trace_sample_percent": conf.trace_sample_ratio * 100,
    }
    # Who may force a trace is decided by route, so each protected route gets a copy
    # (the console's are all public, and its catch-all comes after everything).
    routes = values["routes"]
    assert isinstance(routes, list)
    console = exposed(load_methods(list(registry.spec("console").grpc_services)))
    values["routes"] = [*with_forced_tracing(routes, methods), *console_routes(console)]
    return values


def render_text(conf: Settings | None = None) -> str:
    values = substitutions(conf or settings())
    as_json = {name: json.dumps(value) for name, value in values.items()}
    return Template(TEMPLATE.read_text()).substitute(as_json)


def command(config: Path) -> list[str]:
    """How to run Envoy on a rendered config (what the launcher should exec)."""
    return [
        str(Path(sys.executable).parent / "envoy"),
        "-c",
        str(config),
        # Shared-memory id: meshes at different port offsets run side by side.
        "--base-id",
        str(registry.port_offset()),
        # The access log (stdout) is flushed every 10 s by default: too slow to follow.
        "--file-flush-interval-msec",
        "1000",
    ]


def render(out_path: Path) -> Path:
    """Write the gateway config to out_path (a .yaml file), creating its directory."""
    if out_path.suffix not in (".yaml", ".yml"):
        raise ValueError(f"{out_path}: Envoy reads the config as YAML only from .yaml/.yml")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(render_text())
    return out_path
