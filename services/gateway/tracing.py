"""Who may force a trace: only callers whose bearer token the gateway verifies.

Envoy decides whether to trace a request when its headers arrive, before jwt_authn runs,
from the route it matched then. The connection manager ignores `x-client-trace-id`
(client_sampling 0); each protected route gets a copy, tried first, that matches only
requests carrying both a bearer token and `x-client-trace-id`, and forces the trace. An
anonymous caller cannot force one, nor can anyone on a public route (sign-up, login,
health); a forged token is answered 401 at the gateway, so its trace is one span.
"""

from __future__ import annotations

import copy
from typing import Any

from services.gateway.http_rules import Method
from services.runtime import registry

Json = dict[str, Any]

FORCING_HEADERS: list[Json] = [
    {"name": "authorization", "string_match": {"prefix": "Bearer "}},
    {"name": "x-client-trace-id", "present_match": True},
]
FORCED = {"client_sampling": {"numerator": 100, "denominator": "HUNDRED"}}


def public_matches(methods: list[Method]) -> set[str]:
    """Paths and REST regexes of the methods anyone may call."""
    found: set[str] = set()
    for m in methods:
        if m.policy.public:
            found.add(m.path)
            found.update(b.regex for b in m.bindings)
    return found


def _is_public(match: Json, public: set[str]) -> bool:
    key = match.get("path") or match.get("safe_regex", {}).get("regex")
    return key in public or match.get("prefix", "").startswith(registry.PUBLIC_PREFIXES)


def with_forced_tracing(routes: list[Json], methods: list[Method]) -> list[Json]:
    """The routes, each protected one preceded by its trace-forcing copy."""
    public = public_matches(methods)
    result: list[Json] = []
    for route in routes:
        if "route" in route and not _is_public(route["match"], public):
            forcing = copy.deepcopy(route)
            match = forcing["match"]
            match["headers"] = [*match.get("headers", []), *FORCING_HEADERS]
            forcing["tracing"] = FORCED
            result.append(forcing)
        result.append(route)
    return result
