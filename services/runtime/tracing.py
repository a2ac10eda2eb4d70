"""OpenTelemetry tracing: one trace id from Envoy through every service hop.

Spans go over OTLP/gRPC to OTEL_EXPORTER_OTLP_ENDPOINT when it is set; otherwise to the
platform service, which collects them into var/traces (see services/platform/collector.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from functools import lru_cache

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

from services.runtime import registry
from services.runtime.config import settings


def collector_endpoint() -> str:
    configured = settings().otel_exporter_otlp_endpoint
    return configured or registry.spec("platform").address


def configure(service: str) -> TracerProvider:
    # Parent-based: a hop follows its caller's decision, so a trace is whole or absent.
    sampler = ParentBased(TraceIdRatioBased(settings().trace_sample_ratio))
    provider = TracerProvider(resource=Resource.create({"service.name": service}), sampler=sampler)
    exporter = OTLPSpanExporter(endpoint=collector_endpoint(), insecure=True, timeout=5)
    provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=1000))
    trace.set_tracer_provider(provider)
    return provider


@lru_cache(maxsize=1)
def tracer() -> trace.Tracer:
    """The mesh's tracer, made once: it follows whichever provider `configure` sets."""
    return trace.get_tracer("tablemesh")


def extract(metadata: Iterable[tuple[str, str | bytes]]) -> Context:
    """The caller's trace context from gRPC metadata (W3C traceparent)."""
    carrier = {k: v for k, v in metadata if isinstance(v, str)}
    return propagate.extract(carrier)


def inject(carrier: MutableMapping[str, str]) -> Mapping[str, str]:
    """Adds traceparent (and tracestate) for the current span to outgoing metadata."""
    propagate.inject(carrier)
    return carrier


def current_trace_id() -> str:
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else ""
