"""Server bootstrap: what every service's `main()` runs.

It validates config, connects PostgreSQL and Redis, installs the mesh interceptor, health
and reflection, binds the port (SO_REUSEPORT, so several worker processes can share it),
reports SERVING only once its dependencies answer, and on SIGTERM reports NOT_SERVING,
stops taking new calls and lets in-flight ones finish within the grace period.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import signal
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from redis.asyncio import Redis

from services.runtime import background, logs, metrics, registry, tracing
from services.runtime.cache import create_redis
from services.runtime.call_counter import calls
from services.runtime.clients import MeshClients
from services.runtime.config import Settings, settings
from services.runtime.faults import FaultInjector
from services.runtime.identity import TRACKED_PREFIXES, JwksSource, TokenVerifier
from services.runtime.interceptors import VERSION, MeshInterceptor
from services.runtime.tracked_cache import TrackedCache

if TYPE_CHECKING:
    from google.protobuf.descriptor_pool import DescriptorPool
    from sqlalchemy.ext.asyncio import AsyncEngine


@dataclass
class Deps:
    """What a service's servicers are built from."""

    name: str
    settings: Settings
    redis: Redis
    clients: MeshClients
    verifier: TokenVerifier
    engine: AsyncEngine | None = None
    # In-process copies of hot Redis keys, kept exact by Redis (a service may `track` more);
    # without a running feed (tests that build Deps) every read goes to Redis.
    tracked: TrackedCache = None  # type: ignore[assignment]
    # Coroutines to run at shutdown, after the server stopped (flushes, closes).
    on_stop: list[Callable[[], Awaitable[Any]]] = field(default_factory=list)
    # What must be ready besides the data stores before health says SERVING (a model
    # loading); each returns when it is, or raises SystemExit saying why it never will.
    readiness: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.tracked is None:
            self.tracked = TrackedCache(self.redis, TRACKED_PREFIXES)

    def run_in_background(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Starts work besides the calls (a relay, a poller); stopped at shutdown."""
        task = asyncio.create_task(work)

        async def stop_it() -> None:
            await background.stop(task)

        self.on_stop.append(stop_it)
        return task

    @property
    def db(self) -> AsyncEngine:
        if self.engine is None:
            raise RuntimeError(f"{self.name} does not use a database")
        return self.engine


Register = Callable[[grpc.aio.Server, Deps], Awaitable[None] | None]


def jwks_from_auth(clients: MeshClients) -> JwksSource:
    """Fetches the auth service's JWKS over gRPC (GetJwks returns JSON in an HttpBody)."""
    from tablemesh.auth.v1 import auth_service_pb2, auth_service_pb2_grpc

    async def fetch() -> dict[str, Any]:
        stub = clients.stub(auth_service_pb2_grpc.AuthServiceStub, "auth")
        body = await stub.GetJwks(auth_service_pb2.GetJwksRequest(), timeout=5)
        return dict(json.loads(body.data))

    return fetch


def grpc_server(
    interceptors: Iterable[grpc.aio.ServerInterceptor] = (), max_connection_age: float = 0
) -> grpc.aio.Server:
    """The gRPC server every service runs (the bench's no-op ceiling runs it bare).

    max_connection_age (seconds, 0: never) closes each connection that old with a GOAWAY
    after its calls finish, so round_robin callers resolve the name again and find pods
    added since (Settings.max_connection_age)."""
    aged = (
        [
            ("grpc.max_connection_age_ms", int(max_connection_age * 1000)),
            ("grpc.max_connection_age_grace_ms", 600_000),
        ]
        if max_connection_age
        else []
    )
    return grpc.aio.server(
        interceptors=list(interceptors),
        options=[
            *aged,
            ("grpc.so_reuseport", 1),
            ("grpc.max_receive_message_length", 8 << 20),
            # Above what the gateway forwards (16 KiB of headers, the path twice).
            ("grpc.max_metadata_size", 64 << 10),
            # Callers ping every 30 s (Envoy's and the mesh clients' keepalive); a call
            # silent for minutes (a local model's turn) must not count them as abuse:
            # by default a third ping within 5 minutes closes the connection
            # ("too many pings", UNAVAILABLE to the caller).
            ("grpc.http2.min_ping_interval_without_data_ms", 20_000),
        ],
    )


async def _wait_for_dependencies(deps: Deps, stop: asyncio.Event) -> bool:
    """True once PostgreSQL and Redis answer; False if asked to stop first."""
    log = logs.get("startup")
    for attempt in range(120):
        try:
            await deps.redis.ping()
            if deps.engine is not None:
                from sqlalchemy import text

                async with deps.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
            return True
        except Exception as exc:  # noqa: BLE001 - any failure means "not yet"
            log.warning("dependencies not ready", error=str(exc), attempt=attempt)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)
            if stop.is_set():
                return False
    raise SystemExit(f"{deps.name}: PostgreSQL/Redis did not answer within 60s")


async def _wait_ready(deps: Deps, stop: asyncio.Event) -> bool:
    """True once every readiness hook returned; False if asked to stop first."""
    if not deps.readiness:
        return True

    async def all_ready() -> None:
        await asyncio.gather(*(hook() for hook in deps.readiness))

    ready = asyncio.create_task(all_ready())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait([ready, stopping], return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not ready.done():
        ready.cancel()
        return False
    ready.result()
    return True


async def _last_flush(redis: Redis) -> None:
    try:
        await calls.flush(redis)
    except Exception as exc:  # noqa: BLE001 - lost with the process, said so
        logs.get("server").warning("last API call counts lost", error=str(exc))


def _require(value: str | None, variable: str, name: str) -> str:
    if not value:
        raise SystemExit(f"{name}: {variable} is not set (the launcher sets it; see README)")
    return value


async def serve(
    name: str,
    register: Register,
    *,
    reflect: Iterable[str] | None = None,
    reflection_pool: DescriptorPool | None = None,
) -> None:
    cfg = settings()
    spec = registry.spec(name)
    logs.configure(name, cfg.log_level)
    provider = tracing.configure(name)
    log = logs.get("server")

    redis = create_redis(_require(cfg.redis_url, "REDIS_URL", name))
    engine = None
    if spec.uses_database:
        # SQLAlchemy and psycopg load only in the services that own a schema.
        from services.runtime.db import create_engine

        engine = create_engine(
            _require(cfg.database_url, "DATABASE_URL", name),
            pool_size=cfg.db_pool_size,
            max_overflow=cfg.db_max_overflow,
        )
    clients = MeshClients(cfg.client_load_balancing, cfg.peers)
    tracked = TrackedCache(redis, TRACKED_PREFIXES)
    verifier = TokenVerifier(
        jwks_from_auth(clients), redis, cfg.jwt_issuer, cfg.jwt_audience, tracked
    )
    deps = Deps(name, cfg, redis, clients, verifier, engine, tracked)
    faults = FaultInjector(redis) if cfg.fault_injection else None
    if faults is not None:
        log.warning("fault injection is on: calls may fail on purpose (tablemesh faults show)")

    server = grpc_server([MeshInterceptor(name, deps.verifier, faults)], cfg.max_connection_age)
    health_servicer = health.aio.HealthServicer()  # type: ignore[attr-defined]
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    names = [*spec.grpc_services, health.SERVICE_NAME, reflection.SERVICE_NAME]
    reflection.enable_server_reflection(
        sorted({*names, *(reflect or ())}), server, pool=reflection_pool
    )
    for service_name in ("", *spec.grpc_services):
        await health_servicer.set(service_name, health_pb2.HealthCheckResponse.NOT_SERVING)

    result = register(server, deps)
    if inspect.isawaitable(result):
        await result
    deps.run_in_background(tracked.run())
    # The users' API calls this process counted, to Redis in batches (call_counter.py);
    # the last ones once more at shutdown, after the server stopped.
    deps.run_in_background(calls.flush_forever(redis))
    deps.on_stop.append(lambda: _last_flush(redis))
    server.add_insecure_port(f"{cfg.host}:{spec.port}")
    await server.start()
    metrics_server = metrics.serve_metrics(cfg.host, spec.port + metrics.METRICS_PORT_SHIFT)
    log.info("listening", port=spec.port, version=VERSION)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    if await _wait_for_dependencies(deps, stop) and await _wait_ready(deps, stop):
        for service_name in ("", *spec.grpc_services):
            await health_servicer.set(service_name, health_pb2.HealthCheckResponse.SERVING)
        log.info("serving")

    await stop.wait()
    log.info("draining", grace=cfg.shutdown_grace)
    await health_servicer.enter_graceful_shutdown()
    await server.stop(cfg.shutdown_grace)
    await asyncio.to_thread(metrics_server.shutdown)
    for hook in deps.on_stop:
        await hook()
    await clients.close()
    await redis.aclose()
    if engine is not None:
        await engine.dispose()
    provider.shutdown()
    log.info("stopped")


def run(name: str, register: Register, **kwargs: Any) -> None:
    """Entry point for `python -m services.<name>.main`."""
    asyncio.run(serve(name, register, **kwargs))
