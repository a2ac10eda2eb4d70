"""What an unexpected failure means to the caller, decided once for every service.

A datastore or downstream service that cannot be reached is UNAVAILABLE with a generic
"... is unavailable; retry later" (callers such as the saga orchestrator retry it); anything
else is INTERNAL with only the request id. The exception itself (SQL, parameters, socket
paths, class names) goes to the log, never into a response.

`downstream_error` and `answers_from` are how a service passes on another service's
answer: its refusals (bad input, not found, ...) pass through with their message, and
every other failure is UNAVAILABLE, which the caller may retry.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

import grpc
import redis.exceptions
import structlog

from services.runtime.errors import (
    DomainError,
    FailedPrecondition,
    Internal,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
)

# Downstream answers that mean a retry may succeed.
RETRYABLE_CODES = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)

# A downstream service's refusals that mean the same thing to our own caller.
PASSED_ON: dict[grpc.StatusCode, type[DomainError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
}

_CACHE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def _database_outage(exc: BaseException) -> bool:
    """Whether `exc` means PostgreSQL cannot be reached. The drivers are looked up, not
    imported: a service without a database never loads them, and so cannot raise them."""
    sa = sys.modules.get("sqlalchemy.exc")
    if sa is not None and isinstance(
        exc,
        (
            sa.OperationalError,
            sa.InterfaceError,
            sa.TimeoutError,  # the pool's wait ran out
            sa.DisconnectionError,
        ),
    ):
        return True
    pg = sys.modules.get("psycopg")
    return pg is not None and isinstance(exc, (pg.OperationalError, pg.InterfaceError))


def _outage(exc: BaseException) -> tuple[str, str] | None:
    """(what is unavailable, reason) when `exc` is a datastore or network outage."""
    if _database_outage(exc):
        return "the database", "DATABASE_UNAVAILABLE"
    if isinstance(exc, _CACHE):
        return "the cache", "CACHE_UNAVAILABLE"
    if isinstance(exc, grpc.aio.AioRpcError) and exc.code() in RETRYABLE_CODES:
        return "a service this one depends on", "DOWNSTREAM_UNAVAILABLE"
    if isinstance(exc, OSError):  # sockets, TimeoutError
        return "a service this one depends on", "DEPENDENCY_UNAVAILABLE"
    if isinstance(exc, BaseExceptionGroup):
        found = [_outage(e) for e in exc.exceptions]
        if found and all(found):
            return found[0]
    return None


def outage_of(exc: BaseException) -> tuple[str, str] | None:
    """The outage behind `exc`, following explicit causes (`raise ... from`)."""
    seen: BaseException | None = exc
    for _ in range(10):  # a cause chain is short; never loop on a cycle
        if seen is None:
            return None
        if (found := _outage(seen)) is not None:
            return found
        seen = seen.__cause__
    return None


def unexpected(exc: BaseException) -> DomainError:
    """The status an exception no servicer turned into a DomainError answers with."""
    outage = outage_of(exc)
    if outage is not None:
        what, reason = outage
        return Unavailable(f"{what} is unavailable; retry later", reason=reason)
    request_id = structlog.contextvars.get_contextvars().get("request_id", "")
    return Internal(
        f"internal error (request id {request_id}); the details are in the service's log",
        metadata={"request_id": str(request_id)},
    )


def downstream_error(
    exc: grpc.aio.AioRpcError,
    service: str,
    *,
    passed_on: dict[grpc.StatusCode, type[DomainError]] | None = None,
) -> DomainError:
    """Our own error for a failed call to `service`: its refusals in `passed_on` keep
    their code and message; anything else is UNAVAILABLE (retryable)."""
    structlog.get_logger("downstream").warning(
        "downstream call failed", service=service, code=exc.code().name
    )
    kind = (PASSED_ON if passed_on is None else passed_on).get(exc.code())
    if kind is not None:
        return kind(exc.details() or f"refused by the {service} service")
    return Unavailable(
        f"the {service} service is unavailable; retry later",
        reason=f"{service.upper()}_UNAVAILABLE",
    )


@contextlib.contextmanager
def answers_from(
    service: str,
    *,
    passed_on: dict[grpc.StatusCode, type[DomainError]] | None = None,
    not_found: DomainError | None = None,
) -> Iterator[None]:
    """Turns a call to `service` failing inside the block into our own error; `not_found`
    replaces the downstream NOT_FOUND (its message names what our caller asked for)."""
    try:
        yield
    except grpc.aio.AioRpcError as exc:
        if not_found is not None and exc.code() == grpc.StatusCode.NOT_FOUND:
            raise not_found from exc
        raise downstream_error(exc, service, passed_on=passed_on) from exc
