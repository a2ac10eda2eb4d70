"""File figures for `make bench-automation`: upload throughput of one 20 MiB file through
Envoy (REST, a raw body) against the same upload over direct gRPC to the automation
service (the baseline), and the time ProcessFile takes to read a 10 MiB CSV."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import grpc
import httpx
from google.api import httpbody_pb2
from tablemesh.automation.v1 import files_service_pb2 as pb
from tablemesh.automation.v1 import files_service_pb2_grpc as pb_grpc

MIB = 2**20
UPLOAD_MIB = 20
CSV_MIB = 10
CHUNK = 256 * 1024
ROUNDS = 3


def csv_bytes(size: int) -> bytes:
    row = b"Lead name,42,2026-01-31,open,some notes about the lead\n"
    return b"Name,Score,Due,Status,Notes\n" + row * (size // len(row))


def pieces(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), CHUNK):
        yield data[start : start + CHUNK]


def rest_upload(http: httpx.Client, name: str, data: bytes) -> str:
    reply = http.post("/api/v1/files", params={"name": name}, content=pieces(data))
    reply.raise_for_status()
    return str(reply.json()["file"]["id"])


def grpc_upload(target: str, token: str, name: str, data: bytes) -> None:
    def messages() -> Iterator[pb.UploadFileRequest]:
        for i, piece in enumerate(pieces(data)):
            body = httpbody_pb2.HttpBody(data=piece)
            yield pb.UploadFileRequest(name=name if i == 0 else "", content=body)

    with grpc.insecure_channel(target) as channel:
        stub = pb_grpc.FilesServiceStub(channel)
        stub.UploadFile(messages(), metadata=[("authorization", f"Bearer {token}")], timeout=120)


def measure(http: httpx.Client, token: str, automation_target: str) -> list[tuple[str, Any]]:
    """Rows for the table: (what, value)."""
    rest, direct = [], []
    for i in range(ROUNDS):
        # Different bytes each time: the same bytes would be stored once (content-addressed).
        data = f"rest {i:08d}\n".encode() + b"x" * (UPLOAD_MIB * MIB - 14)
        began = time.perf_counter()
        rest_upload(http, f"rest{i}.txt", data)
        rest.append(UPLOAD_MIB / (time.perf_counter() - began))
        data = f"grpc {i:08d}\n".encode() + b"y" * (UPLOAD_MIB * MIB - 14)
        began = time.perf_counter()
        grpc_upload(automation_target, token, f"grpc{i}.txt", data)
        direct.append(UPLOAD_MIB / (time.perf_counter() - began))
    csv_id = rest_upload(http, "leads.csv", csv_bytes(CSV_MIB * MIB))
    took = []
    for _ in range(ROUNDS):
        began = time.perf_counter()
        http.post(f"/api/v1/files/{csv_id}:process", json={}).raise_for_status()
        took.append(time.perf_counter() - began)
    best_rest, best_direct = max(rest), max(direct)
    return [
        (
            f"upload {UPLOAD_MIB} MiB, REST through Envoy (MiB/s, best of {ROUNDS})",
            f"{best_rest:.1f}",
        ),
        (f"upload {UPLOAD_MIB} MiB, direct gRPC (MiB/s, baseline)", f"{best_direct:.1f}"),
        ("REST / direct gRPC", f"{best_rest / best_direct:.2f}x"),
        (f"ProcessFile on a {CSV_MIB} MiB CSV (s, median of {ROUNDS})", f"{sorted(took)[1]:.2f}"),
    ]
