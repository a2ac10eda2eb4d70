"""Prometheus metrics every service records per call, served at :<port + 50>/metrics.

Under the launcher the workers of a service share a multiprocess directory
(PROMETHEUS_MULTIPROC_DIR), and every worker's metrics endpoint binds with SO_REUSEPORT:
whichever worker answers a scrape reports the whole service.
"""

from __future__ import annotations

import functools
import os
import socket
import threading
from http.server import ThreadingHTTPServer
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.exposition import MetricsHandler

# The metrics port of a service is its gRPC port plus this.
METRICS_PORT_SHIFT = 50

RPC_CALLS = Counter("tablemesh_rpc_calls_total", "RPCs handled", ["service", "method", "code"])
RPC_LATENCY = Histogram(
    "tablemesh_rpc_duration_seconds",
    "RPC handling time",
    ["service", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


@functools.cache
def _calls(service: str, method: str, code: str) -> Any:
    return RPC_CALLS.labels(service, method, code)


@functools.cache
def _latency(service: str, method: str) -> Any:
    return RPC_LATENCY.labels(service, method)


def observe(service: str, method: str, code: str, seconds: float) -> None:
    # The labelled children are looked up once (methods and codes are few, and fixed).
    _calls(service, method, code).inc()
    _latency(service, method).observe(seconds)


class _SharedPortServer(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        super().server_bind()


def serve_metrics(host: str, port: int) -> ThreadingHTTPServer:
    """Starts the /metrics endpoint in a background thread."""
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    server = _SharedPortServer((host, port), MetricsHandler.factory(registry))
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
