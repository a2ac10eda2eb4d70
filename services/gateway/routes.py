"""Routes and JWT rules of the gateway, derived from the registry and the http annotations.

Every RPC has two forms at the gateway: its REST binding(s), seen by the filters before the
transcoder (CORS, jwt_authn, rate limit), and its native gRPC path, which the router matches
(a transcoded request is re-matched on its gRPC path). Both forms get routes and JWT rules.
"""

from __future__ import annotations

from typing import Any

from services.gateway.http_rules import Method
from services.runtime import registry

Json = dict[str, Any]

API_PREFIX = "/api/v1/"
PROVIDER = "tablemesh"
# Sensitive, unauthenticated RPCs throttled per client IP (password guessing, sign-up spam).
RATE_LIMITED = frozenset(
    {"/tablemesh.auth.v1.AuthService/Login", "/tablemesh.auth.v1.AuthService/Register"}
)
TIMEOUT = "15s"
# gRPC codes and transport failures after which a read can safely be sent again.
IDEMPOTENT_RETRY = {
    "retry_on": "unavailable,reset,connect-failure,refused-stream,cancelled",
    "num_retries": 2,
    "retry_back_off": {"base_interval": "0.05s", "max_interval": "0.5s"},
}
STREAM_IDLE_TIMEOUT = "60s"
# Unary RPCs that legitimately run long: a chat turn is several model calls in a row.
LONG_RUNNING = frozenset({"/tablemesh.llm.v1.LlmService/Chat"})


def _action(cluster: str, *, idempotent: bool = False) -> Json:
    action: Json = {
        "cluster": cluster,
        "timeout": TIMEOUT,
        # A gRPC client's deadline (grpc-timeout) shortens the route timeout, never extends it.
        "max_stream_duration": {"grpc_timeout_header_max": TIMEOUT},
    }
    if idempotent:
        action["retry_policy"] = IDEMPOTENT_RETRY
    return action


def _rate_limit(per_minute: int) -> Json:
    """Per-route local rate limit with one token bucket per client IP (dynamic descriptor)."""
    bucket = {"max_tokens": per_minute, "tokens_per_fill": per_minute, "fill_interval": "60s"}
    enabled = {"default_value": {"numerator": 100, "denominator": "HUNDRED"}}
    return {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3"
        ".LocalRateLimit",
        "stat_prefix": "auth_rate_limit",
        # Required per route; only used for requests without a client address.
        "token_bucket": bucket,
        "filter_enabled": {**enabled, "runtime_key": "auth_rate_limit_enabled"},
        "filter_enforced": {**enabled, "runtime_key": "auth_rate_limit_enforced"},
        # An entry without a value is a wildcard: each distinct client IP gets its own bucket.
        "descriptors": [{"entries": [{"key": "remote_address"}], "token_bucket": bucket}],
        "max_dynamic_descriptors": 10000,
        "always_consume_default_token_bucket": False,
        "rate_limits": [{"actions": [{"remote_address": {}}]}],
        "rate_limited_as_resource_exhausted": True,
    }


def _method_header(verb: str) -> list[Json]:
    return [{"name": ":method", "string_match": {"exact": verb}}]


def _route(match: Json, cluster: str, *, idempotent: bool = False, **extra: Json) -> Json:
    return {"match": match, "route": _action(cluster, idempotent=idempotent), **extra}


# Streaming calls must flow through unbuffered.
NO_BUFFER = {
    "envoy.filters.http.buffer": {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute",
        "disabled": True,
    }
}


def _long_route(m: Method, cluster: str, long_timeout: str) -> Json:
    """A streaming RPC has no overall timeout (only an idle one); a long one a longer one."""
    if m.server_streaming:
        action: Json = {"cluster": cluster, "timeout": "0s", "idle_timeout": STREAM_IDLE_TIMEOUT}
    else:
        action = {
            "cluster": cluster,
            "timeout": long_timeout,
            "max_stream_duration": {"grpc_timeout_header_max": long_timeout},
        }
    return {"match": {"path": m.path}, "route": action}


def build_routes(
    methods_by_cluster: dict[str, list[Method]],
    rate_limit_per_minute: int,
    long_timeout: str = "600s",
) -> list[Json]:
    """The virtual host's routes, most specific first."""
    limited: list[Json] = []
    rest: list[Json] = []
    grpc: list[Json] = []
    limit = {"envoy.filters.http.local_ratelimit": _rate_limit(rate_limit_per_minute)}
    for cluster, methods in methods_by_cluster.items():
        seen: set[str] = set()
        for m in methods:
            if m.path in RATE_LIMITED:
                # Both forms: the filter runs before the transcoder, on the REST route.
                limited.append(_route({"path": m.path}, cluster, typed_per_filter_config=limit))
                for b in m.bindings:
                    match = {"safe_regex": {"regex": b.regex}, "headers": _method_header(b.verb)}
                    limited.append(_route(match, cluster, typed_per_filter_config=limit))
            elif m.server_streaming or m.path in LONG_RUNNING:
                grpc.append(_long_route(m, cluster, long_timeout))
            elif m.idempotent:
                grpc.append(_route({"path": m.path}, cluster, idempotent=True))
            # REST routes only exist so CORS and the rate limit see a cluster route; once
            # transcoded, the request is routed again by its gRPC path (timeouts, retries).
            for b in m.bindings:
                if b.regex not in seen:
                    seen.add(b.regex)
                    rest.append(_route({"safe_regex": {"regex": b.regex}}, cluster))
        for service in sorted({m.service for m in methods}):
            grpc.append(_route({"prefix": f"/{service}/"}, cluster))
    reflection = {
        # Reflection is a bidi stream: no overall timeout, only an idle one.
        "match": {"prefix": "/grpc.reflection."},
        "route": {
            "cluster": registry.spec("platform").name,
            "timeout": "0s",
            "idle_timeout": STREAM_IDLE_TIMEOUT,
        },
        "typed_per_filter_config": NO_BUFFER,
    }
    not_found = {
        "match": {"prefix": "/"},
        "direct_response": {"status": 404, "body": {"inline_string": "no route for this path"}},
    }
    return [*limited, *rest, *grpc, reflection, not_found]


def build_jwt_rules(methods: list[Method]) -> list[Json]:
    """jwt_authn rules: first match wins, public forms first, then everything protected."""
    public: list[Json] = [{"match": {"path": p}} for p in sorted(registry.PUBLIC_METHODS)]
    public += [{"match": {"prefix": p}} for p in registry.PUBLIC_PREFIXES]
    protected: list[Json] = []
    requires = {"provider_name": PROVIDER}
    for m in methods:
        for b in m.bindings:
            match = {"safe_regex": {"regex": b.regex}, "headers": _method_header(b.verb)}
            if registry.is_public(m.path):
                public.append({"match": match})
            elif not b.template.startswith(API_PREFIX):
                # Outside /api/v1/ the broad rule below would miss it: name it explicitly.
                protected.append({"match": match, "requires": requires})
    protected += [
        {"match": {"prefix": API_PREFIX}, "requires": requires},
        {"match": {"prefix": "/tablemesh."}, "requires": requires},
    ]
    return public + protected
