"""Routes and JWT rules of the gateway, derived from the descriptor set and its policies.

Every RPC the gateway exposes has two forms: its REST binding(s), seen by the filters before
the transcoder (CORS, jwt_authn), and its native gRPC path, which the router matches (a
transcoded request is re-matched on its gRPC path). Both forms get routes and JWT rules.
Internal methods get neither: at the gateway they do not exist (404 / UNIMPLEMENTED).
Sign-in throttling is not the gateway's: the auth service keeps one bucket per client
address in Redis, shared by REST and gRPC, every worker and every gateway.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2

from services.gateway.http_rules import Binding, Method, exposed
from services.runtime import registry

NO_SIDE_EFFECTS = descriptor_pb2.MethodOptions.NO_SIDE_EFFECTS

Json = dict[str, Any]

PROVIDER = "tablemesh"
TIMEOUT = "15s"
# gRPC codes and transport failures after which a read can safely be sent again.
# Retries prefer a replica not tried yet (on several hosts: another host's).
# gateway-error is Envoy's own 502/503/504 (the services answer every gRPC call with 200):
# a connection or a try that failed.
IDEMPOTENT_RETRY = {
    "retry_on": "unavailable,reset,connect-failure,refused-stream,cancelled,gateway-error",
    "num_retries": 2,
    "retry_host_predicate": [
        {
            "name": "envoy.retry_host_predicates.previous_hosts",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3"
                ".PreviousHostsPredicate"
            },
        }
    ],
    "host_selection_retry_max_attempts": 3,
    "retry_back_off": {"base_interval": "0.05s", "max_interval": "0.5s"},
}
# A read (no side effects) unanswered after PER_TRY_TIMEOUT (a replica on a host whose
# link went down: no reset ever comes) is hedged: a second try goes to another replica
# while the first may still answer, and the first answer wins. Not idempotent writes:
# two copies of one running at once are not the same as one retried after the other.
PER_TRY_TIMEOUT = "5s"
READ_RETRY = {**IDEMPOTENT_RETRY, "per_try_timeout": PER_TRY_TIMEOUT}
HEDGE = {"hedge_on_per_try_timeout": True}
STREAM_IDLE_TIMEOUT = "60s"


def _action(cluster: str, *, idempotent: bool = False, read: bool = False) -> Json:
    action: Json = {
        "cluster": cluster,
        "timeout": TIMEOUT,
        # A gRPC client's deadline (grpc-timeout) shortens the route timeout, never extends it.
        # With max_stream_duration set Envoy ignores `timeout`: a call without a deadline
        # (every REST call) is bounded only by max_stream_duration's own value, so set it
        # too (without it, a call to a hung replica waited forever).
        "max_stream_duration": {"max_stream_duration": TIMEOUT, "grpc_timeout_header_max": TIMEOUT},
    }
    if read:
        action["retry_policy"] = READ_RETRY
        action["hedge_policy"] = HEDGE
    elif idempotent:
        action["retry_policy"] = IDEMPOTENT_RETRY
    return action


def _method_header(verb: str) -> list[Json]:
    return [{"name": ":method", "string_match": {"exact": verb}}]


def _rest_match(b: Binding) -> Json:
    return {"safe_regex": {"regex": b.regex}, "headers": _method_header(b.verb)}


def _route(
    match: Json, cluster: str, *, idempotent: bool = False, read: bool = False, **extra: Json
) -> Json:
    action = _action(cluster, idempotent=idempotent, read=read)
    return {"match": match, "route": action, **extra}


# Streaming calls must flow through unbuffered.
NO_BUFFER = {
    "envoy.filters.http.buffer": {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute",
        "disabled": True,
    }
}


def long_route(m: Method, cluster: str, long_timeout: str) -> Json:
    """A streaming RPC has no overall timeout (only an idle one); a long one a longer one."""
    if m.client_streaming:
        # An upload lasts as long as the client takes to send it; it must only keep moving.
        # Its body goes on as it arrives (the body limit is the service's, while it reads).
        action: Json = {"cluster": cluster, "timeout": "0s", "idle_timeout": STREAM_IDLE_TIMEOUT}
        return {"match": {"path": m.path}, "route": action, "typed_per_filter_config": NO_BUFFER}
    if m.server_streaming:
        # A long-running stream (a chat on the local model) may be silent for minutes
        # between events while the model reads its prompt: idle up to the long timeout.
        idle = long_timeout if m.policy.long_running else STREAM_IDLE_TIMEOUT
        action = {"cluster": cluster, "timeout": "0s", "idle_timeout": idle}
    else:
        action = {
            "cluster": cluster,
            "timeout": long_timeout,
            # Silent until the answer (a local model's tool-using turn can take minutes):
            # the connection manager's idle timeout must not cut it first.
            "idle_timeout": long_timeout,
            "max_stream_duration": {
                "max_stream_duration": long_timeout,
                "grpc_timeout_header_max": long_timeout,
            },
        }
    return {"match": {"path": m.path}, "route": action}


def build_routes(
    methods_by_cluster: dict[str, list[Method]],
    long_timeout: str = "600s",
    fallback: list[Json] | None = None,
) -> list[Json]:
    """The virtual host's routes, most specific first; `fallback` last (default: 404)."""
    rest: list[Json] = []
    grpc: list[Json] = []
    for cluster, methods in methods_by_cluster.items():
        seen: set[str] = set()
        for m in exposed(methods):
            if m.server_streaming or m.client_streaming or m.policy.long_running:
                grpc.append(long_route(m, cluster, long_timeout))
            else:
                grpc.append(
                    _route(
                        {"path": m.path},
                        cluster,
                        idempotent=m.policy.retryable,
                        read=m.policy.idempotency == NO_SIDE_EFFECTS,
                    )
                )
            # REST routes only exist so CORS sees a cluster route; once transcoded, the
            # request is routed again by its gRPC path (timeouts, retries).
            for b in m.bindings:
                if m.client_streaming:
                    # The buffer filter (the body limit) runs before the transcoder, on the
                    # REST route: an upload's body streams past it, on a route of its own
                    # (its verb too: a GET of the same path keeps the limit).
                    unbuffered = _route(_rest_match(b), cluster, typed_per_filter_config=NO_BUFFER)
                    rest.insert(0, unbuffered)
                elif b.regex not in seen:
                    seen.add(b.regex)
                    rest.append(_route({"safe_regex": {"regex": b.regex}}, cluster))
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
    # Anything else, internal methods included (unless `fallback` says otherwise).
    fallback = [not_found_route({"prefix": "/"})] if fallback is None else fallback
    # Exact gRPC paths first: no REST regex can match one (those all start /api/v1/), so
    # the order changes no answer, and a transcoded request, routed again by its gRPC path,
    # finds its route by string comparisons instead of trying every REST regex first.
    return [*grpc, *rest, reflection, *fallback]


def not_found_route(match: Json) -> Json:
    """Envoy's own 404 (JSON through local_reply_config); to a native gRPC request it is
    grpc-status UNIMPLEMENTED, what a gRPC server says of a method it lacks."""
    return {
        "match": match,
        "direct_response": {"status": 404, "body": {"inline_string": "no route for this path"}},
    }


def build_jwt_rules(methods: list[Method], also_protected: tuple[Json, ...] = ()) -> list[Json]:
    """jwt_authn rules: first match wins. Public methods need no token; every other exposed
    method needs one in both its forms; anything else (internal or unknown paths, which
    the router answers 404 / UNIMPLEMENTED) is checked only if a token is sent, so that an
    internal method looks exactly like one that does not exist."""
    public: list[Json] = [{"match": {"prefix": p}} for p in registry.PUBLIC_PREFIXES]
    protected: list[Json] = []
    requires = {"provider_name": PROVIDER}
    for m in exposed(methods):
        forms = [{"path": m.path}, *(_rest_match(b) for b in m.bindings)]
        if m.policy.public:
            public += [{"match": match} for match in forms]
        else:
            protected += [{"match": match, "requires": requires} for match in forms]
    if_sent = {"requires_any": {"requirements": [requires, {"allow_missing": {}}]}}
    catch_all = {"match": {"prefix": "/"}, "requires": if_sent}
    # Within each group, exact paths before regexes (as in the routes): the same answers,
    # fewer regexes tried per request.
    return [*_exact_first(public), *_exact_first(protected), *also_protected, catch_all]


def _exact_first(rules: list[Json]) -> list[Json]:
    return sorted(rules, key=lambda rule: "safe_regex" in rule["match"])
