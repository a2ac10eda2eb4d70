"""Prometheus metrics every service records per call."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

RPC_CALLS = Counter("tablemesh_rpc_calls_total", "RPCs handled", ["service", "method", "code"])
RPC_LATENCY = Histogram(
    "tablemesh_rpc_duration_seconds",
    "RPC handling time",
    ["service", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def observe(service: str, method: str, code: str, seconds: float) -> None:
    RPC_CALLS.labels(service, method, code).inc()
    RPC_LATENCY.labels(service, method).observe(seconds)
