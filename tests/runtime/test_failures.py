"""How failures the servicers did not handle are classified, and how another service's
answers are passed on (the one translation every service uses)."""

from __future__ import annotations

import socket

import grpc
import pytest
import structlog
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.runtime.errors import NotFound
from services.runtime.failures import answers_from, downstream_error, unexpected


async def refused_call() -> grpc.aio.AioRpcError:
    """A real failed call: a port nothing listens on answers UNAVAILABLE."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        try:
            await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=5
            )
        except grpc.aio.AioRpcError as exc:
            return exc
    raise AssertionError("the call should have failed")


async def test_a_downstream_outage_is_unavailable_without_its_address() -> None:
    exc = await refused_call()
    assert exc.code() == grpc.StatusCode.UNAVAILABLE and "127.0.0.1" in (exc.details() or "")
    mapped = unexpected(exc)
    assert mapped.code == grpc.StatusCode.UNAVAILABLE
    assert mapped.message == "a service this one depends on is unavailable; retry later"
    passed = downstream_error(exc, "permissions")
    assert passed.code == grpc.StatusCode.UNAVAILABLE and passed.reason == "PERMISSIONS_UNAVAILABLE"
    assert "127.0.0.1" not in passed.message


async def test_an_outage_behind_a_cause_or_in_a_group_is_still_an_outage() -> None:
    exc = await refused_call()
    try:
        raise RuntimeError("wrapped") from exc
    except RuntimeError as wrapped:
        assert unexpected(wrapped).code == grpc.StatusCode.UNAVAILABLE
    group = ExceptionGroup("tasks", [exc, ConnectionRefusedError("socket")])
    assert unexpected(group).code == grpc.StatusCode.UNAVAILABLE
    mixed = ExceptionGroup("tasks", [exc, KeyError("bug")])
    assert unexpected(mixed).code == grpc.StatusCode.INTERNAL


def test_anything_else_is_internal_with_the_request_id_only() -> None:
    structlog.contextvars.bind_contextvars(request_id="req-42")
    try:
        mapped = unexpected(KeyError("SELECT password_hash FROM auth.credentials"))
    finally:
        structlog.contextvars.unbind_contextvars("request_id")
    assert mapped.code == grpc.StatusCode.INTERNAL
    assert "req-42" in mapped.message and "SELECT" not in mapped.message
    assert "KeyError" not in mapped.message and mapped.metadata == {"request_id": "req-42"}


def answer(code: grpc.StatusCode, details: str) -> grpc.aio.AioRpcError:
    """A downstream answer as the client library raises it."""
    empty = grpc.aio.Metadata()
    return grpc.aio.AioRpcError(code, empty, empty, details, None)


async def test_answers_from_passes_refusals_on_and_replaces_not_found() -> None:
    exc = await refused_call()
    with pytest.raises(NotFound) as missing, answers_from("users", not_found=NotFound("no user")):
        raise answer(grpc.StatusCode.NOT_FOUND, "gone")
    assert missing.value.message == "no user"
    with pytest.raises(Exception) as refused, answers_from("permissions"):
        raise answer(grpc.StatusCode.PERMISSION_DENIED, "members may not grant roles")
    assert getattr(refused.value, "code", None) == grpc.StatusCode.PERMISSION_DENIED
    assert str(refused.value) == "members may not grant roles"
    with pytest.raises(Exception) as down, answers_from("permissions"):
        raise exc
    assert getattr(down.value, "code", None) == grpc.StatusCode.UNAVAILABLE
