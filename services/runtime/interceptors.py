"""The one server interceptor every service runs.

Per call it: takes (or makes) the request id, continues the caller's W3C trace, verifies
the access token unless the method is public, refuses requests that cannot be decoded or
stored (request_checks) or whose body names another id than their path (path_ids), writes
one access-log line, and maps every error to a google.rpc.Status: domain errors with their
details, outages as UNAVAILABLE and anything else as INTERNAL with generic messages
(failures). Servicers never do any of this themselves.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import structlog
from grpc_status import rpc_status

from services.runtime import failures, logs, metrics, origin, path_ids, registry, tracing
from services.runtime.call_counter import GATEWAY_HEADER, calls
from services.runtime.clients import incoming_deadline
from services.runtime.errors import DomainError, Unauthenticated, invalid
from services.runtime.faults import FaultInjector
from services.runtime.identity import TokenVerifier, set_caller
from services.runtime.request_checks import MAX_CHARS, check_request
from services.runtime.undecodable import Undecodable, decoder

log = logs.get("access")
VERSION = "0.1.0"
# A successful call that took this long is logged at info level like a failed one.
SLOW_CALL_SECONDS = 0.5


def bearer_token(metadata: dict[str, str]) -> str | None:
    value = metadata.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


async def abort_with(context: grpc.aio.ServicerContext, error: DomainError) -> None:
    status = rpc_status.to_status(error.to_status())
    await context.abort(status.code, status.details, status.trailing_metadata)


# Stands for the request of a client-streaming call: its messages are checked as they come.
STREAMED = object()


def _check(request: Any, templates: list[path_ids.Template], metadata: dict[str, str]) -> None:
    """Refuses a request that could not be decoded or stored, or whose body or query
    overwrote an id its REST path bound (a transcoded call)."""
    if isinstance(request, Undecodable):
        raise request.error
    check_request(request)
    if templates and (path := metadata.get(path_ids.ORIGINAL_PATH)):
        path_ids.check(templates, path, request)


def _quiet(behavior: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
    """Public, untraced, unlogged: only the version header is added."""

    async def wrapper(request: Any, context: grpc.aio.ServicerContext) -> Any:
        await context.send_initial_metadata((("x-tablemesh-version", VERSION),))
        return await behavior(request, context)

    return wrapper


class MeshInterceptor(grpc.aio.ServerInterceptor):
    def __init__(
        self, service: str, verifier: TokenVerifier, faults: FaultInjector | None = None
    ) -> None:
        self._service = service
        self._verifier = verifier
        # Injected faults for chaos drills (None, and free, unless they are switched on).
        self._faults = faults
        # Wrapped handlers by method: built once, not on every call.
        self._wrapped: dict[str, grpc.RpcMethodHandler] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        method: str = details.method  # type: ignore[attr-defined]
        wrapped = self._wrapped.get(method)
        if wrapped is None:
            handler = await continuation(details)
            if handler is None:
                return handler
            wrapped = self._wrapped[method] = self._wrap(method, handler)
        return wrapped

    def _wrap(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        if method.startswith(registry.QUIET_PREFIXES):
            if not handler.unary_unary:
                return handler  # health Watch: public, untouched
            return grpc.unary_unary_rpc_method_handler(
                _quiet(handler.unary_unary),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        decode = decoder(method, handler.request_deserializer)
        templates = path_ids.templates_of(method)
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                self._wrap_unary(method, templates, handler.unary_unary),
                request_deserializer=decode,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                self._wrap_stream(method, templates, handler.unary_stream),
                request_deserializer=decode,
                response_serializer=handler.response_serializer,
            )
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(
                self._wrap_client_stream(method, templates, handler.stream_unary),
                request_deserializer=decode,
                response_serializer=handler.response_serializer,
            )
        # Bidirectional streams: only server reflection, which is public.
        return handler

    async def _enter(
        self, method: str, metadata: dict[str, str], context: grpc.aio.ServicerContext
    ) -> None:
        remaining = context.time_remaining()
        if remaining is not None:
            incoming_deadline.set(time.monotonic() + remaining)
        request_id = metadata.get("x-request-id") or str(uuid.uuid4())
        if len(request_id) > MAX_CHARS["request_id"]:
            # Not echoed, not logged: a fresh id stands in for the call's log lines.
            structlog.contextvars.bind_contextvars(request_id=str(uuid.uuid4()), method=method)
            limit = MAX_CHARS["request_id"]
            raise invalid("x-request-id", f"must be at most {limit} characters")
        structlog.contextvars.bind_contextvars(request_id=request_id, method=method)
        origin.set_current(origin.of_metadata(metadata, context.peer() or ""))
        token = bearer_token(metadata)
        caller = None
        if not registry.is_public(method):
            if token is None:
                raise Unauthenticated("an access token is required", reason="TOKEN_MISSING")
            caller = await self._verifier.verify(token)
        elif token is not None:
            # A public method may still act on who is calling when a good token is sent.
            try:
                caller = await self._verifier.verify(token)
            except DomainError:
                caller = None
        set_caller(caller)
        if caller is not None:
            structlog.contextvars.bind_contextvars(
                user_id=caller.user_id, tenant_id=caller.tenant_id
            )
            # A user's call through the gateway, for the analytics (one dict increment).
            if GATEWAY_HEADER in metadata and not caller.is_service:
                calls.count(caller.tenant_id, caller.user_id)

    @contextlib.asynccontextmanager
    async def _call(
        self,
        method: str,
        templates: list[path_ids.Template],
        request: Any,
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[None]:
        """Everything around one call: span, identity, request checks, error mapping,
        access log."""
        start = time.perf_counter()
        code = grpc.StatusCode.OK
        metadata = {k: v for k, v in context.invocation_metadata() or () if isinstance(v, str)}
        with tracing.server_span(method, metadata) as span:
            try:
                await self._enter(method, metadata, context)
                if request is not STREAMED:
                    _check(request, templates, metadata)
                yield
            except DomainError as error:
                code = error.code
                span.set_attribute("rpc.grpc.status_code", code.value[0])
                await abort_with(context, error)
            except grpc.aio.AbortError:
                code = grpc.StatusCode.ABORTED
                raise
            except Exception as exc:  # noqa: BLE001 - answered generically, logged in full
                answer = failures.unexpected(exc)
                code = answer.code
                span.set_attribute("rpc.grpc.status_code", code.value[0])
                if code == grpc.StatusCode.UNAVAILABLE:
                    log.warning("dependency unavailable", reason=answer.reason, exc_info=exc)
                else:
                    log.exception("unhandled error")
                await abort_with(context, answer)
            finally:
                self._finish(method, code, start)

    def _wrap_unary(
        self,
        method: str,
        templates: list[path_ids.Template],
        behavior: Callable[..., Awaitable[Any]],
    ) -> Callable[..., Any]:
        faults = self._faults

        async def wrapper(request: Any, context: grpc.aio.ServicerContext) -> Any:
            async with self._call(method, templates, request, context):
                if faults is None:
                    return await behavior(request, context)
                return await faults.around(method, request, lambda: behavior(request, context))

        return wrapper

    def _wrap_stream(
        self, method: str, templates: list[path_ids.Template], behavior: Callable[..., Any]
    ) -> Callable[..., Any]:
        async def wrapper(request: Any, context: grpc.aio.ServicerContext) -> Any:
            async with self._call(method, templates, request, context):
                async for item in behavior(request, context):
                    yield item

        return wrapper

    def _wrap_client_stream(
        self, method: str, templates: list[path_ids.Template], behavior: Callable[..., Any]
    ) -> Callable[..., Any]:
        """A client stream: the caller is checked before the first message is read, and
        every message as it arrives (its path ids with the first)."""

        async def checked(requests: Any, metadata: dict[str, str]) -> AsyncIterator[Any]:
            first = True
            async for request in requests:
                _check(request, templates if first else [], metadata)
                first = False
                yield request

        async def wrapper(requests: Any, context: grpc.aio.ServicerContext) -> Any:
            async with self._call(method, templates, STREAMED, context):
                metadata = {
                    k: v for k, v in context.invocation_metadata() or () if isinstance(v, str)
                }
                return await behavior(checked(requests, metadata), context)

        return wrapper

    def _finish(self, method: str, code: grpc.StatusCode, start: float) -> None:
        elapsed = time.perf_counter() - start
        metrics.observe(self._service, method, code.name, elapsed)
        # Every failed or slow call is logged; a quick success only at debug level (the
        # gateway's access log has every REST request, and the metrics count them all).
        # (structlog's filtering logger makes `debug` a no-op below debug level.)
        failed_or_slow = code != grpc.StatusCode.OK or elapsed >= SLOW_CALL_SECONDS
        emit = log.info if failed_or_slow else log.debug
        emit(
            "rpc",
            code=code.name,
            duration_ms=round(elapsed * 1000, 2),
            trace_id=tracing.current_trace_id(),
        )
        structlog.contextvars.unbind_contextvars("request_id", "method", "user_id", "tenant_id")
        set_caller(None)
        origin.set_current(origin.NOWHERE)
