"""The gateway's routes to the console: the web app at `/`, after every other route.

The console's REST binding is `GET /{path=**}`: given to the gateway's one transcoder, it
would answer every unknown GET, /api/v1/... included, with index.html. So the console is
not among that transcoder's services. Only the last route has a transcoder of its own
that knows the console alone and lets query strings through (an app link such as
/invite?token=... is the app's business); guards before it keep unknown /api and /docs
paths on the API's JSON 404 and unknown native gRPC methods on UNIMPLEMENTED (/mcp has
its own route, the first).

The console's reply sets each file's Cache-Control (gRPC initial metadata becomes HTTP
headers through the transcoder). The browser policy is the gateway's, on both console
routes: a transcoded request is routed again by its gRPC path, and the route it ends on
decides the response headers.
"""

from __future__ import annotations

from typing import Any

from services.gateway.http_rules import DESCRIPTOR_SET, Method
from services.gateway.routes import long_route, not_found_route
from services.runtime import registry

Json = dict[str, Any]

SPEC = registry.spec("console")
TIMEOUT = "15s"
# The app has no inline script or style: everything from its own origin. Vite inlines
# small images and fonts as data: URLs, which cannot run script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; font-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    # What browsers older than frame-ancestors understand.
    "x-frame-options": "DENY",
}
# Paths the API owns: an unknown one is the API's JSON 404, never the app's index.html.
API_PREFIXES = ("/api", "/docs")
GRPC_REQUEST = [{"name": "content-type", "string_match": {"prefix": "application/grpc"}}]


def console_transcoder() -> Json:
    return {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.grpc_json_transcoder.v3"
        ".GrpcJsonTranscoder",
        "proto_descriptor": str(DESCRIPTOR_SET),
        "services": list(SPEC.grpc_services),
        "convert_grpc_status": True,
        "auto_mapping": False,
        # The app reads its own query parameters; the service is not told them.
        "ignore_unknown_query_parameters": True,
        # Anything but GET (a POST to /) is a 404, not a call upstream.
        "request_validation_options": {"reject_unknown_method": True},
    }


def _with_policy(route: Json) -> Json:
    route["response_headers_to_add"] = [
        {"header": {"key": key, "value": value}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}
        for key, value in SECURITY_HEADERS.items()
    ]
    return route


def console_routes(methods: list[Method]) -> list[Json]:
    """The console's gRPC routes, the guards, then the root route (the very last)."""
    grpc = [_with_policy(long_route(m, SPEC.name, TIMEOUT)) for m in methods]
    guards = [
        not_found_route({"prefix": "/", "headers": GRPC_REQUEST}),
        *(not_found_route({"path_separated_prefix": p}) for p in API_PREFIXES),
    ]
    root = _with_policy(
        {
            "match": {"prefix": "/"},
            "route": {"cluster": SPEC.name, "timeout": TIMEOUT},
            "typed_per_filter_config": {
                "envoy.filters.http.grpc_json_transcoder": console_transcoder()
            },
        }
    )
    return [*grpc, *guards, root]
