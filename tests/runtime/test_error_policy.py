"""The interceptor's one error policy, in-process against real (and really stopped) stores:
an outage answers UNAVAILABLE, anything unexpected INTERNAL with the request id, and no
answer carries SQL, parameters, socket paths or class names."""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import grpc
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from tablemesh.auth.v1 import auth_service_pb2 as auth_pb
from tablemesh.auth.v1 import auth_service_pb2_grpc as auth_grpc
from tablemesh.llm.v1 import llm_service_pb2 as llm_pb
from tablemesh.llm.v1 import llm_service_pb2_grpc as llm_grpc

from services.auth.app import build
from services.auth.servicer import AuthServicer
from services.runtime.cache import create_redis
from services.runtime.config import Settings
from services.runtime.db import create_engine, migrate
from services.runtime.identity import TokenVerifier
from services.runtime.interceptors import MeshInterceptor
from tests.auth.conftest import FakeProfiles, auth_settings
from tests.tokens import access_token, jwks

# Bounds real elapsed time, deadlines or leases: `make test` runs it before the meshes boot.
pytestmark = pytest.mark.realtime

LEAKS = ("SELECT", "sqlalchemy", "psycopg", "Traceback", "Error", ".sock", "127.0.0.1:")
KID = "policy-test"


def free_port() -> int:
    """A port nothing listens on (bound, then released, never listened on)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def assert_generic(err: grpc.aio.AioRpcError, code: grpc.StatusCode, *needles: str) -> str:
    assert err.code() == code, err.details()
    details = err.details() or ""
    for leak in LEAKS:
        assert leak not in details, details
    for needle in needles:
        assert needle in details, details
    return details


class Keys:
    """Signs access tokens the interceptor accepts (its verifier gets the public key)."""

    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()
        self.jwks = jwks(self.key, KID)

    async def source(self) -> dict[str, Any]:
        return dict(self.jwks)

    def bearer(self) -> tuple[tuple[str, str]]:
        return (("authorization", f"Bearer {access_token(self.key, KID)}"),)


@asynccontextmanager
async def serving(
    service: str, redis: Redis, add: Callable[[grpc.aio.Server], None], keys: Keys
) -> AsyncIterator[grpc.aio.Channel]:
    """`add`'s servicer behind the mesh interceptor, on a free port; a channel to it."""
    verifier = TokenVerifier(keys.source, redis, "tablemesh-auth", "tablemesh")
    server = grpc.aio.server(interceptors=[MeshInterceptor(service, verifier)])
    add(server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield channel
    finally:
        await channel.close(None)
        await server.stop(None)


def real_auth(
    engine: AsyncEngine, redis: Redis, cfg: Settings
) -> Callable[[grpc.aio.Server], None]:
    def add(server: grpc.aio.Server) -> None:
        auth = build(engine, redis, cfg, lambda _: FakeProfiles())
        verifier = TokenVerifier(auth.keys.jwks, redis, cfg.jwt_issuer, cfg.jwt_audience)
        auth_grpc.add_AuthServiceServicer_to_server(AuthServicer(auth, verifier), server)

    return add


def login() -> auth_pb.LoginRequest:
    return auth_pb.LoginRequest(email="ada@example.com", password="correct horse 1")


async def test_database_down_answers_unavailable(redis: Redis) -> None:
    dead = create_engine(f"postgresql://postgres@127.0.0.1:{free_port()}/gone")
    try:
        async with serving("auth", redis, real_auth(dead, redis, auth_settings()), Keys()) as ch:
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await auth_grpc.AuthServiceStub(ch).Login(login(), timeout=20)
    finally:
        await dead.dispose()
    assert_generic(err.value, grpc.StatusCode.UNAVAILABLE, "database is unavailable; retry later")


async def test_redis_down_answers_unavailable(
    engine: AsyncEngine, database_url: str, redis: Redis, tmp_path: Path
) -> None:
    migrate("auth", database_url)
    dead = create_redis(f"unix://{tmp_path}/stopped-redis.sock")
    try:
        async with serving("auth", redis, real_auth(engine, dead, auth_settings()), Keys()) as ch:
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await auth_grpc.AuthServiceStub(ch).Login(login(), timeout=20)
    finally:
        await dead.aclose()
    assert_generic(err.value, grpc.StatusCode.UNAVAILABLE, "cache is unavailable; retry later")
    assert "stopped-redis" not in (err.value.details() or "")


class LeakyAuth(auth_grpc.AuthServiceServicer):
    """A servicer whose query is wrong: the database's error names the statement and the
    parameters it was given."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def Login(self, request: auth_pb.LoginRequest, context: Any) -> auth_pb.LoginResponse:
        async with self.engine.connect() as conn:
            await conn.execute(
                text("SELECT secret_hash FROM no_such_table WHERE email = :email"),
                {"email": request.email},
            )
        return auth_pb.LoginResponse()


async def test_an_exception_with_sql_answers_internal_without_it(
    engine: AsyncEngine, redis: Redis
) -> None:
    def add(server: grpc.aio.Server) -> None:
        auth_grpc.add_AuthServiceServicer_to_server(LeakyAuth(engine), server)

    request_id = f"policy-{uuid.uuid4().hex[:8]}"
    async with serving("auth", redis, add, Keys()) as ch:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await auth_grpc.AuthServiceStub(ch).Login(
                login(), metadata=(("x-request-id", request_id),), timeout=20
            )
    details = assert_generic(err.value, grpc.StatusCode.INTERNAL, "internal error", request_id)
    for leak in ("no_such_table", "secret_hash", "ada@example.com", "ProgrammingError"):
        assert leak not in details


class StreamingChat(llm_grpc.LlmServiceServicer):
    """Streams one piece, then needs a Redis that is down; counts the calls it got."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.calls = 0

    async def StreamChat(self, request: Any, context: Any) -> AsyncIterator[Any]:
        self.calls += 1
        yield llm_pb.StreamChatResponse(delta="Hel")
        await self.redis.get("session")
        yield llm_pb.StreamChatResponse(delta="lo")


@pytest.fixture
async def stopped_redis(tmp_path: Path) -> AsyncIterator[Redis]:
    dead = create_redis(f"unix://{tmp_path}/stopped-redis.sock")
    yield dead
    await dead.aclose()


async def test_a_stream_whose_redis_is_down_ends_unavailable(
    redis: Redis, stopped_redis: Redis
) -> None:
    chat, keys = StreamingChat(stopped_redis), Keys()
    async with serving(
        "llm", redis, lambda s: llm_grpc.add_LlmServiceServicer_to_server(chat, s), keys
    ) as ch:
        call = llm_grpc.LlmServiceStub(ch).StreamChat(
            llm_pb.StreamChatRequest(message="hi"), metadata=keys.bearer(), timeout=20
        )
        got = []
        with pytest.raises(grpc.aio.AioRpcError) as err:
            async for reply in call:
                got.append(reply.delta)
    assert got == ["Hel"]
    assert_generic(err.value, grpc.StatusCode.UNAVAILABLE, "cache is unavailable; retry later")


async def test_a_stream_request_that_cannot_be_stored_never_reaches_the_servicer(
    redis: Redis, stopped_redis: Redis
) -> None:
    chat, keys = StreamingChat(stopped_redis), Keys()
    async with serving(
        "llm", redis, lambda s: llm_grpc.add_LlmServiceServicer_to_server(chat, s), keys
    ) as ch:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            async for _ in llm_grpc.LlmServiceStub(ch).StreamChat(
                llm_pb.StreamChatRequest(message="a\x00b"), metadata=keys.bearer(), timeout=20
            ):
                pass
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "message: must not contain NUL" in (err.value.details() or "")
    assert chat.calls == 0


async def test_undecodable_bytes_answer_invalid_argument_naming_the_field(
    redis: Redis, stopped_redis: Redis
) -> None:
    """What Envoy sends for `?search=%FF`: a string field holding bytes that are not UTF-8."""
    chat, keys = StreamingChat(stopped_redis), Keys()
    async with serving(
        "llm", redis, lambda s: llm_grpc.add_LlmServiceServicer_to_server(chat, s), keys
    ) as ch:
        raw = llm_pb.StreamChatRequest(message="hi", model="mXdel").SerializeToString()
        call = ch.unary_stream(
            "/tablemesh.llm.v1.LlmService/StreamChat",
            request_serializer=lambda _: raw.replace(b"mXdel", b"m\xffdel"),
            response_deserializer=llm_pb.StreamChatResponse.FromString,
        )(b"", metadata=keys.bearer(), timeout=20)
        with pytest.raises(grpc.aio.AioRpcError) as err:
            async for _ in call:
                pass
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, err.value.details()
    assert err.value.details() == "model: is not valid UTF-8"
    assert chat.calls == 0
