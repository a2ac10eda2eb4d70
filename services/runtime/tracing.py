"""OpenTelemetry tracing: one trace id from Envoy through every service hop.

Spans go over OTLP/gRPC to OTEL_EXPORTER_OTLP_ENDPOINT when it is set; otherwise to the
platform service, which collects them into var/traces (see services/platform/collector.py).
"""

from __future__ import annotations

import contextlib
import random
import re
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from functools import lru_cache
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import (
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from services.runtime import registry
from services.runtime.config import settings


def collector_endpoint() -> str:
    configured = settings().otel_exporter_otlp_endpoint
    return configured or registry.spec("platform").address


# The attribute by which `server_span` tells the sampler it already chose to trace a root.
CHOSEN = "tablemesh.sampled"
# The share of calls without a caller's decision that are traced (set by `configure`).
_ratio = 0.0


class _RootSampler(Sampler):
    """Roots: traced when `server_span` chose so, else at the configured ratio."""

    def __init__(self, ratio: float) -> None:
        self._ratio = TraceIdRatioBased(ratio)

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: trace.SpanKind | None = None,
        attributes: Any = None,
        links: Sequence[trace.Link] | None = None,
        trace_state: trace.TraceState | None = None,
    ) -> SamplingResult:
        if attributes and attributes.get(CHOSEN):
            return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes)
        return self._ratio.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"RootSampler{{{self._ratio.get_description()}}}"


def configure(service: str) -> TracerProvider:
    global _ratio
    _ratio = settings().trace_sample_ratio
    # Parent-based: a hop follows its caller's decision, so a trace is whole or absent.
    sampler = ParentBased(_RootSampler(_ratio))
    provider = TracerProvider(resource=Resource.create({"service.name": service}), sampler=sampler)
    # Imported here: the OTLP exporter and its gRPC stubs are only needed once tracing runs.
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    exporter = OTLPSpanExporter(endpoint=collector_endpoint(), insecure=True, timeout=5)
    provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=1000))
    trace.set_tracer_provider(provider)
    return provider


@lru_cache(maxsize=1)
def tracer() -> trace.Tracer:
    """The mesh's tracer, made once: it follows whichever provider `configure` sets."""
    return trace.get_tracer("tablemesh")


def inject(carrier: MutableMapping[str, str]) -> Mapping[str, str]:
    """Adds traceparent (and tracestate) for the current span to outgoing metadata."""
    propagate.inject(carrier)
    return carrier


def current_trace_id() -> str:
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else ""


_TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")


def _parent(traceparent: str | None) -> SpanContext | None:
    match = _TRACEPARENT.fullmatch(traceparent) if traceparent else None
    if match is None:
        return None
    trace_id, span_id = int(match[1], 16), int(match[2], 16)
    if not trace_id or not span_id:
        return None
    return SpanContext(trace_id, span_id, is_remote=True, trace_flags=TraceFlags(int(match[3], 16)))


@contextlib.contextmanager
def server_span(method: str, metadata: Mapping[str, str]) -> Iterator[trace.Span]:
    """The span of one incoming call. Unsampled calls (most) get no span object at all:
    only the caller's (or a fresh) trace context, not sampled, so logs carry a trace id and
    the hops downstream follow the same decision."""
    parent = _parent(metadata.get("traceparent"))
    if parent is not None and parent.trace_flags.sampled:
        context = propagate.extract(metadata)
        with tracer().start_as_current_span(
            method, context=context, kind=trace.SpanKind.SERVER
        ) as span:
            yield span
        return
    if parent is None and random.random() < _ratio:
        with tracer().start_as_current_span(
            method, kind=trace.SpanKind.SERVER, attributes={CHOSEN: True}
        ) as span:
            yield span
        return
    if parent is None:
        parent = SpanContext(
            random.getrandbits(128) or 1, random.getrandbits(64) or 1, is_remote=False
        )
    span = NonRecordingSpan(parent)
    token = otel_context.attach(trace.set_span_in_context(span))
    try:
        yield span
    finally:
        otel_context.detach(token)


def recording() -> bool:
    """Whether the current call is traced (an outgoing call then gets a span of its own)."""
    return trace.get_current_span().is_recording()
