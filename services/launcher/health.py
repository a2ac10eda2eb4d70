"""Live checks: gRPC health of a service, Envoy's /ready, PostgreSQL and Redis answering.

Each returns a short word for the status table ("SERVING", "UNREACHABLE", ...); only
HEALTHY values mean "up", so callers never have to interpret exceptions.
"""

from __future__ import annotations

import asyncio

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

HEALTHY = frozenset({"SERVING", "READY", "OK"})


# Seconds a status probe waits: a first connection from a cold process on 2 busy cores can
# take over a second, and "UNREACHABLE" must mean the service did not answer, not that the
# machine was busy.
PROBE_DEADLINE = 3.0


async def grpc_health(port: int, deadline: float = PROBE_DEADLINE, host: str = "127.0.0.1") -> str:
    """grpc.health.v1 Health/Check with service "" (the whole server)."""
    async with grpc.aio.insecure_channel(f"{host}:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            reply = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=deadline)
        except grpc.aio.AioRpcError as exc:
            code = exc.code()
            if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                return "UNREACHABLE"
            return code.name
    return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))


# While a mesh starts its servers are not listening yet: redial every 0.1 s, not after
# gRPC's default back-off of 1 s growing to 2 minutes.
_STARTING_CHANNEL_OPTIONS = [
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 100),
]
# Seconds between two looks at something that cannot say when it changes (Envoy's /ready,
# a broken health stream).
RETRY_INTERVAL = 0.1


async def grpc_serving(port: int, host: str = "127.0.0.1") -> str:
    """Returns "SERVING" once the server on `port` says so: one Health/Watch stream, which
    the server answers at each change, so the answer comes the moment it is SERVING."""
    target = f"{host}:{port}"
    async with grpc.aio.insecure_channel(target, options=_STARTING_CHANNEL_OPTIONS) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while True:
            request = health_pb2.HealthCheckRequest(service="")
            try:
                async for reply in stub.Watch(request, wait_for_ready=True):
                    if reply.status == health_pb2.HealthCheckResponse.SERVING:
                        return "SERVING"
            except grpc.aio.AioRpcError:
                pass  # the server went away (a restart): watch again once it is back
            await asyncio.sleep(RETRY_INTERVAL)


async def envoy_serving(admin_port: int) -> str:
    """Returns "READY" once Envoy's admin /ready says so."""
    while True:
        if (result := await envoy_ready(admin_port)) == "READY":
            return result
        await asyncio.sleep(RETRY_INTERVAL)


async def envoy_ready(admin_port: int, deadline: float = PROBE_DEADLINE) -> str:
    """Envoy's admin /ready: 200 once its listeners and clusters are initialised."""
    try:
        async with httpx.AsyncClient(timeout=deadline) as client:
            reply = await client.get(f"http://127.0.0.1:{admin_port}/ready")
    except httpx.HTTPError:
        return "UNREACHABLE"
    return "READY" if reply.status_code == 200 else reply.text.strip() or str(reply.status_code)


async def postgres_ok(database_url: str, deadline: float = 2.0) -> str:
    import psycopg

    try:
        conn = await psycopg.AsyncConnection.connect(
            database_url, connect_timeout=max(1, int(deadline))
        )
        async with conn:
            await conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"DOWN ({str(exc).strip().splitlines()[0][:60]})"
    return "OK"


async def redis_ok(redis_url: str, deadline: float = 2.0) -> str:
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    client = Redis.from_url(redis_url, socket_timeout=deadline, socket_connect_timeout=deadline)
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        return f"DOWN ({str(exc)[:60]})"
    finally:
        await client.aclose()
    return "OK"


async def model_state(port: int, deadline: float = PROBE_DEADLINE) -> str:
    """The model service's file and state ("qwen.gguf, ready in 1.2 s"), or "" if unknown."""
    from tablemesh.model.v1 import model_service_pb2 as model_pb
    from tablemesh.model.v1 import model_service_pb2_grpc as model_grpc

    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = model_grpc.ModelServiceStub(channel)
        try:
            reply = await stub.GetModel(model_pb.GetModelRequest(), timeout=deadline)
        except grpc.aio.AioRpcError:
            return ""
    loaded = f" in {reply.load_seconds:.1f} s" if reply.state == "ready" else ""
    size = f"{reply.size_bytes / 2**20:.0f} MiB"
    return f"{reply.file_name} ({size}), {reply.state}{loaded}"
