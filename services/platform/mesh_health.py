"""Asks every service of the mesh for its gRPC health, concurrently, and times it."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.runtime import registry
from services.runtime.clients import MeshClients

TIMEOUT = 1.5


@dataclass(frozen=True)
class Answer:
    name: str
    address: str
    status: str
    latency_ms: float
    version: str
    error: str


async def check(clients: MeshClients, spec: registry.ServiceSpec) -> Answer:
    stub = health_pb2_grpc.HealthStub(clients.channel(spec.name))
    start = time.perf_counter()
    try:
        call = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=TIMEOUT)
        reply = await call
        metadata = dict(await call.initial_metadata() or ())
        status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
        version, error = str(metadata.get("x-tablemesh-version", "")), ""
    except grpc.aio.AioRpcError as exc:
        status, version = "UNREACHABLE", ""
        error = f"{exc.code().name}: {exc.details()}"
    latency = round((time.perf_counter() - start) * 1000, 2)
    return Answer(spec.name, spec.address, status, latency, version, error)


async def check_all(
    clients: MeshClients, services: tuple[registry.ServiceSpec, ...]
) -> list[Answer]:
    return list(await asyncio.gather(*(check(clients, s) for s in services)))
