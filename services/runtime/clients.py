"""The one way a service calls another.

Channels are reused per target. Every call gets a deadline (the default, cut to what the
incoming call has left), the caller's identity (its bearer token, or a service token
given explicitly), the request id and the W3C trace context. Only methods whose proto
declares them idempotent (`idempotency_level`) are retried, and only on UNAVAILABLE, by
gRPC's own retry policy.
"""

from __future__ import annotations

import contextvars
import json
import socket
import time
from collections.abc import Sequence
from typing import Any, TypeVar

import grpc
import structlog
from google.protobuf import descriptor_pool
from opentelemetry import trace

from services.runtime import logs, method_policy, origin, registry, tracing
from services.runtime.identity import maybe_caller

DEFAULT_TIMEOUT = 5.0
log = logs.get("clients")

# Absolute monotonic deadline of the incoming call this task serves, if any.
incoming_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "incoming_deadline", default=None
)

S = TypeVar("S")


def idempotent_methods(grpc_service: str) -> list[str]:
    """The service's methods that are safe to send again (NO_SIDE_EFFECTS or IDEMPOTENT)."""
    try:
        service = descriptor_pool.Default().FindServiceByName(grpc_service.removeprefix("/"))
    except KeyError:
        return []
    return [
        m.name
        for m in service.methods
        if method_policy.of(f"/{service.full_name}/{m.name}").retryable
    ]


def target(
    spec: registry.ServiceSpec, load_balancing: str = "pick_first", peers: Sequence[str] = ()
) -> str:
    """What a channel to the service dials: its address; with round_robin the DNS target
    of that address (every address the name resolves to gets calls); with peer hosts
    (TABLEMESH_PEERS) this host's replica first and each peer's at the service's port
    after it, so pick_first stays on this host and moves to a peer only while this
    host's replica cannot be reached."""
    if load_balancing == "round_robin":
        return f"dns:///{spec.address}"
    if not peers:
        return spec.address
    host, _, port = spec.address.rpartition(":")
    found = [f"{ip}:{port}" for ip in ipv4_addresses(host)]
    found += [f"{ip}:{spec.port}" for peer in peers for ip in ipv4_addresses(peer)]
    return "ipv4:" + ",".join(dict.fromkeys(found)) if found else spec.address


def ipv4_addresses(host: str) -> list[str]:
    """The host's IPv4 addresses (itself, if it is one); none when it does not resolve
    now (a peer that is down at start-up: its replica is left out until a restart)."""
    try:
        infos = socket.getaddrinfo(host, None, socket.AF_INET, socket.SOCK_STREAM)
    except OSError:
        log.warning("a peer host does not resolve; calls leave it out", host=host)
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def service_config(spec: registry.ServiceSpec, load_balancing: str = "pick_first") -> str:
    names = [
        {"service": svc, "method": method}
        for svc in spec.grpc_services
        for method in idempotent_methods(svc)
    ]
    policy = {
        "maxAttempts": 3,
        "initialBackoff": "0.05s",
        "maxBackoff": "0.5s",
        "backoffMultiplier": 2,
        "retryableStatusCodes": ["UNAVAILABLE"],
    }
    config: dict[str, Any] = {
        "methodConfig": [{"name": names, "retryPolicy": policy}] if names else []
    }
    if load_balancing == "round_robin":
        config["loadBalancingConfig"] = [{"round_robin": {}}]
    return json.dumps(config)


def remaining_timeout(default: float = DEFAULT_TIMEOUT) -> float:
    deadline = incoming_deadline.get()
    if deadline is None:
        return default
    # Leave a little time to answer our own caller after the downstream call returns.
    return max(0.05, min(default, deadline - time.monotonic() - 0.02))


def outgoing_metadata(token: str | None = None) -> list[tuple[str, str]]:
    metadata: list[tuple[str, str]] = []
    if token is None and (caller := maybe_caller()) is not None:
        token = caller.token
    if token:
        metadata.append(("authorization", f"Bearer {token}"))
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    if request_id:
        metadata.append(("x-request-id", str(request_id)))
    metadata.extend(origin.outgoing())
    carrier: dict[str, str] = {}
    tracing.inject(carrier)
    metadata.extend(carrier.items())
    return metadata


class _Propagate(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        if not tracing.recording():
            return await self._call(continuation, details, request)
        with tracing.tracer().start_as_current_span(details.method, kind=trace.SpanKind.CLIENT):
            return await self._call(continuation, details, request)

    @staticmethod
    async def _call(continuation: Any, details: Any, request: Any) -> Any:
        explicit = dict(details.metadata or ())
        token = explicit.pop("authorization", None)
        metadata = outgoing_metadata(token.removeprefix("Bearer ") if token else None)
        metadata.extend(explicit.items())
        timeout = remaining_timeout(details.timeout or DEFAULT_TIMEOUT)
        new_details = grpc.aio.ClientCallDetails(
            details.method,
            timeout,
            grpc.aio.Metadata(*metadata),
            details.credentials,
            details.wait_for_ready,
        )
        call = await continuation(new_details, request)
        await call  # a span stays open until the reply (or error) arrives
        return call


class MeshClients:
    """Channels to the mesh's services, created once and shared by the whole process."""

    def __init__(self, load_balancing: str = "pick_first", peers: Sequence[str] = ()) -> None:
        # Settings.client_load_balancing: "pick_first" or "round_robin" (Kubernetes).
        self.load_balancing = load_balancing
        # Settings.peers: other hosts running the same mesh, dialled when this host's
        # replica of a service cannot be reached.
        self.peers = tuple(peers)
        self._channels: dict[str, grpc.aio.Channel] = {}

    def channel(self, service_name: str) -> grpc.aio.Channel:
        if service_name not in self._channels:
            spec = registry.spec(service_name)
            balancing = self.load_balancing
            self._channels[service_name] = grpc.aio.insecure_channel(
                target(spec, balancing, self.peers),
                options=[
                    ("grpc.service_config", service_config(spec, balancing)),
                    ("grpc.enable_retries", 1),
                    ("grpc.keepalive_time_ms", 30_000),
                    # A restarted service (the model runs as one process) is redialled
                    # within seconds, not after gRPC's back-off growing to 2 minutes.
                    ("grpc.max_reconnect_backoff_ms", 5_000),
                ],
                interceptors=[_Propagate()],  # type: ignore[list-item]
            )
        return self._channels[service_name]

    def stub(self, stub_class: type[S], service_name: str) -> S:
        return stub_class(self.channel(service_name))  # type: ignore[call-arg]

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close(None)
        self._channels.clear()
