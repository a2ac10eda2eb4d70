"""Where the current request comes from: the client's address and User-Agent, for the
audit trail (events carry them in their envelope, services/runtime/events.py).

Through the gateway, Envoy (use_remote_address) puts the connection's address in
x-envoy-external-address and drops any x-envoy-* header a client sent, so the address
cannot be forged through Envoy; services pass both values on to the services they call
(clients.outgoing_metadata), so an event made two hops away still names the client.
Without the header (a caller on a service's own port) the last x-forwarded-for entry or
the gRPC peer stands in.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass

EXTERNAL_ADDRESS = "x-envoy-external-address"
FORWARDED_FOR = "x-forwarded-for"
# Carries the client's User-Agent between services (gRPC sets its own user-agent).
CLIENT_AGENT = "x-tablemesh-client-agent"
# No address is this long; a User-Agent is cut here (they are the client's to choose).
MAX_ADDRESS = 100
MAX_AGENT = 400


@dataclass(frozen=True)
class Origin:
    source_ip: str = ""
    user_agent: str = ""


NOWHERE = Origin()
_current: contextvars.ContextVar[Origin | None] = contextvars.ContextVar("origin", default=None)


def peer_host(peer: str) -> str:
    """'ipv4:1.2.3.4:5678' -> '1.2.3.4'; 'ipv6:[::1]:5678' -> '::1'; else as given."""
    kind, _, rest = peer.partition(":")
    if kind == "ipv6" and rest.startswith("["):
        return rest[1:].partition("]")[0]
    if kind == "ipv4":
        return rest.rpartition(":")[0] or rest
    return peer


def of_metadata(metadata: dict[str, str], peer: str) -> Origin:
    address = metadata.get(EXTERNAL_ADDRESS, "").strip()
    if not address:
        address = metadata.get(FORWARDED_FOR, "").rsplit(",", 1)[-1].strip()
    agent = metadata.get(CLIENT_AGENT) or metadata.get("user-agent", "")
    return Origin((address or peer_host(peer))[:MAX_ADDRESS], agent[:MAX_AGENT])


def set_current(origin: Origin) -> None:
    _current.set(origin)


def current() -> Origin:
    return _current.get() or NOWHERE


def outgoing() -> list[tuple[str, str]]:
    """The metadata that passes the origin on to a service this request calls."""
    found = current()
    pairs = []
    if found.source_ip:
        pairs.append((EXTERNAL_ADDRESS, found.source_ip))
    if found.user_agent:
        pairs.append((CLIENT_AGENT, found.user_agent))
    return pairs
