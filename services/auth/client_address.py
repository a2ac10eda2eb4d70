"""The address a sign-in or service-token call comes from, for per-address throttles.

Through the gateway the gRPC peer is Envoy itself. Envoy (use_remote_address) tells the
service who connected to it: x-envoy-external-address holds the connection's remote
address (Envoy drops a client's own x-envoy-* headers), and x-forwarded-for gets that
address appended (for a loopback client Envoy appends the host's own address instead),
so its last entry is the one Envoy vouches for; entries before it are whatever the
client sent and are ignored. Without either header (a caller on the service port) the
gRPC peer address is used. Such a caller can send the headers itself; the per-account
and per-name throttles hold whatever address is counted.
"""

from __future__ import annotations

from services.runtime.origin import peer_host
from services.runtime.wire import Ctx

EXTERNAL_ADDRESS = "x-envoy-external-address"
FORWARDED_FOR = "x-forwarded-for"
# Longer values are cut: an address is never this long, and a key must stay small.
MAX_LENGTH = 100


def client_address(context: Ctx) -> str:
    headers: dict[str, str] = {}
    for key, value in context.invocation_metadata() or ():
        headers[key] = str(value)  # the last of repeated headers, as Envoy added it last
    found = headers.get(EXTERNAL_ADDRESS, "").strip()
    if not found:
        found = headers.get(FORWARDED_FOR, "").rsplit(",", 1)[-1].strip()
    return (found or peer_host(context.peer() or "unknown"))[:MAX_LENGTH]
