"""A minimal OTLP/gRPC trace collector: when no OTEL_EXPORTER_OTLP_ENDPOINT is configured,
Envoy and every service send their spans here and they land in var/traces/<trace_id>.jsonl,
one JSON object per span, which `tablemesh trace TRACE_ID` reads back as a tree.

The store is bounded: traces older than the maximum age, and the oldest traces beyond the
maximum total size, are deleted (TABLEMESH_TRACE_MAX_AGE_HOURS, TABLEMESH_TRACE_STORE_MAX_MB).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

from services.runtime.config import Settings, settings


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


@dataclass(frozen=True)
class Retention:
    max_bytes: int
    max_age_seconds: float

    @classmethod
    def of(cls, conf: Settings) -> Retention:
        return cls(int(conf.trace_store_max_mb * 1024 * 1024), conf.trace_max_age_hours * 3600)


def prune(directory: Path, retention: Retention, now: float) -> list[Path]:
    """Deletes traces past the age limit, then the least recently written ones until the
    rest fit in max_bytes; returns what it deleted. A trace's age is its file's mtime: the
    time its last span arrived."""
    files = []
    for path in directory.glob("*.jsonl"):
        with contextlib.suppress(FileNotFoundError):
            info = path.stat()
            files.append((info.st_mtime, info.st_size, path))
    files.sort()
    total = sum(size for _, size, _ in files)
    deleted = []
    for mtime, size, path in files:
        if now - mtime <= retention.max_age_seconds and total <= retention.max_bytes:
            break
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        total -= size
        deleted.append(path)
    return deleted


class TraceCollector(trace_service_pb2_grpc.TraceServiceServicer):
    # Seconds between two prunes: a look at every file is too dear for every export.
    PRUNE_INTERVAL = 5.0

    def __init__(
        self,
        directory: Path,
        retention: Retention | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """retention: by default the process's settings."""
        self.retention = retention or Retention.of(settings())
        self.directory, self.clock = directory, clock
        directory.mkdir(parents=True, exist_ok=True)
        prune(directory, self.retention, clock())
        self.last_prune = clock()
        self.pruning: asyncio.Task[list[Path]] | None = None

    def maybe_prune(self) -> None:
        """Starts a prune in a thread when the last one is PRUNE_INTERVAL old."""
        now = self.clock()
        if now - self.last_prune < self.PRUNE_INTERVAL:
            return
        if self.pruning is not None and not self.pruning.done():
            return
        self.last_prune = now
        self.pruning = asyncio.create_task(
            asyncio.to_thread(prune, self.directory, self.retention, now)
        )

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
        self.maybe_prune()
        return trace_service_pb2.ExportTraceServiceResponse()
