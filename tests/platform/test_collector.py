"""The trace store keeps what its retention allows: by age, then by total size."""

from __future__ import annotations

import os
import time
from pathlib import Path

import grpc
import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2 as trace_pb2
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.resource.v1 import resource_pb2
from opentelemetry.proto.trace.v1 import trace_pb2 as spans_pb2

from services.platform.collector import Retention, TraceCollector, prune
from services.runtime.config import Settings, settings

# Files the collector writes carry the real time: the fake clock starts there.
NOW = time.time()
HOUR = 3600.0


def trace_file(directory: Path, name: str, size: int, age: float) -> Path:
    path = directory / f"{name}.jsonl"
    path.write_text("x" * size)
    os.utime(path, (NOW - age, NOW - age))
    return path


def test_traces_older_than_the_age_limit_are_deleted(tmp_path: Path) -> None:
    old = trace_file(tmp_path, "old", 100, 25 * HOUR)
    recent = trace_file(tmp_path, "recent", 100, 23 * HOUR)
    deleted = prune(tmp_path, Retention(max_bytes=10_000, max_age_seconds=24 * HOUR), NOW)
    assert deleted == [old]
    assert not old.exists() and recent.exists()


def test_the_oldest_traces_go_until_the_rest_fit(tmp_path: Path) -> None:
    files = [trace_file(tmp_path, f"t{age}", 400, age) for age in (50, 40, 30, 20, 10)]
    deleted = prune(tmp_path, Retention(max_bytes=1000, max_age_seconds=HOUR), NOW)
    assert deleted == files[:3]  # 2000 bytes -> 800, oldest first
    assert [p.exists() for p in files] == [False, False, False, True, True]
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) <= 1000


def test_a_store_within_its_limits_is_left_alone(tmp_path: Path) -> None:
    trace_file(tmp_path, "a", 10, 60)
    (tmp_path / "notes.txt").write_text("not a trace")
    assert prune(tmp_path, Retention(max_bytes=100, max_age_seconds=HOUR), NOW) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", "notes.txt"]


def test_retention_comes_from_the_settings() -> None:
    conf = Settings(trace_store_max_mb=2, trace_max_age_hours=0.5)
    assert Retention.of(conf) == Retention(max_bytes=2 * 1024 * 1024, max_age_seconds=1800)


def export_request(trace_id: bytes, size: int) -> trace_pb2.ExportTraceServiceRequest:
    span = spans_pb2.Span(trace_id=trace_id, span_id=b"\x01" * 8, name="n" * size)
    service = common_pb2.KeyValue(
        key="service.name", value=common_pb2.AnyValue(string_value="users")
    )
    return trace_pb2.ExportTraceServiceRequest(
        resource_spans=[
            spans_pb2.ResourceSpans(
                resource=resource_pb2.Resource(attributes=[service]),
                scope_spans=[spans_pb2.ScopeSpans(spans=[span])],
            )
        ]
    )


async def test_the_collector_prunes_as_spans_arrive(tmp_path: Path) -> None:
    clock = [NOW]
    stale = trace_file(tmp_path, "stale", 10, 2 * HOUR)
    collector = TraceCollector(tmp_path, Retention(5000, HOUR), clock=lambda: clock[0])
    assert not stale.exists()  # pruned at start
    context: grpc.aio.ServicerContext = None  # type: ignore[assignment]
    written = []
    for n in range(6):
        trace_id = bytes([n]) * 16
        clock[0] += TraceCollector.PRUNE_INTERVAL
        await collector.Export(export_request(trace_id, 2000), context)
        written.append(tmp_path / f"{trace_id.hex()}.jsonl")
        assert collector.pruning is not None
        await collector.pruning
    kept = stored(tmp_path)
    assert sum(kept.values()) <= 5000
    assert written[-1] in kept and written[0] not in kept


def stored(directory: Path) -> dict[Path, int]:
    return {p: p.stat().st_size for p in directory.glob("*.jsonl")}


def test_the_collector_takes_its_retention_from_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TABLEMESH_TRACE_STORE_MAX_MB", "3")
    monkeypatch.setenv("TABLEMESH_TRACE_MAX_AGE_HOURS", "2")
    settings.cache_clear()
    try:
        collector = TraceCollector(tmp_path)
    finally:
        settings.cache_clear()
    assert collector.retention == Retention(max_bytes=3 << 20, max_age_seconds=2 * HOUR)
