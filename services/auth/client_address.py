"""The address a sign-in or service-token call comes from, for per-address throttles.

Through the gateway the gRPC peer is Envoy itself. Envoy (use_remote_address) appends the
address of the connection it accepted to x-forwarded-for, so the last entry is the one
Envoy vouches for; entries before it are whatever the client sent and are ignored.
Without that header (a caller on the service port) the gRPC peer address is used. Such
a caller can send the header itself; the per-account and per-name throttles still hold.
"""

from __future__ import annotations

from services.runtime.wire import Ctx

FORWARDED_FOR = "x-forwarded-for"
# Longer values are cut: an address is never this long, and a key must stay small.
MAX_LENGTH = 100


def peer_host(peer: str) -> str:
    """'ipv4:1.2.3.4:5678' -> '1.2.3.4'; 'ipv6:[::1]:5678' -> '::1'; else as given."""
    kind, _, rest = peer.partition(":")
    if kind == "ipv6" and rest.startswith("["):
        return rest[1:].partition("]")[0]
    if kind == "ipv4":
        return rest.rpartition(":")[0] or rest
    return peer


def client_address(context: Ctx) -> str:
    metadata = context.invocation_metadata() or ()
    forwarded = [str(value) for key, value in metadata if key == FORWARDED_FOR]
    if forwarded:
        last = forwarded[-1].rsplit(",", 1)[-1].strip()
        if last:
            return last[:MAX_LENGTH]
    return peer_host(context.peer() or "unknown")[:MAX_LENGTH]
