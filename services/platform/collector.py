"""A minimal OTLP/gRPC trace collector: when no OTEL_EXPORTER_OTLP_ENDPOINT is configured,
Envoy and every service send their spans here and they land in var/traces/<trace_id>.jsonl,
one JSON object per span, which `tablemesh trace TRACE_ID` reads back as a tree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc


def _attr_value(value: Any) -> Any:
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind else None


def flatten(request: trace_service_pb2.ExportTraceServiceRequest) -> list[dict[str, Any]]:
    spans = []
    for resource_spans in request.resource_spans:
        service = next(
            (
                _attr_value(a.value)
                for a in resource_spans.resource.attributes
                if a.key == "service.name"
            ),
            "unknown",
        )
        for scope in resource_spans.scope_spans:
            for span in scope.spans:
                spans.append(
                    {
                        "trace_id": span.trace_id.hex(),
                        "span_id": span.span_id.hex(),
                        "parent_span_id": span.parent_span_id.hex(),
                        "name": span.name,
                        "service": service,
                        "kind": span.kind,
                        "start_ns": span.start_time_unix_nano,
                        "end_ns": span.end_time_unix_nano,
                        "status_code": span.status.code,
                        "attributes": {a.key: _attr_value(a.value) for a in span.attributes},
                    }
                )
    return spans


class TraceCollector(trace_service_pb2_grpc.TraceServiceServicer):
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    async def Export(
        self,
        request: trace_service_pb2.ExportTraceServiceRequest,
        context: grpc.aio.ServicerContext,
    ) -> trace_service_pb2.ExportTraceServiceResponse:
        by_trace: dict[str, list[str]] = {}
        for span in flatten(request):
            by_trace.setdefault(span["trace_id"], []).append(json.dumps(span))
        for trace_id, lines in by_trace.items():
            with (self.directory / f"{trace_id}.jsonl").open("a") as out:
                out.write("\n".join(lines) + "\n")
        return trace_service_pb2.ExportTraceServiceResponse()
