"""Domain errors and their google.rpc.Status form (AIP-193).

Domain code raises these plain exceptions; the server interceptor turns them into a gRPC
status with `BadRequest` field violations and an `ErrorInfo` reason, which Envoy's
transcoder hands to REST clients as JSON with the matching HTTP status.
"""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2

ERROR_DOMAIN = "tablemesh.dev"

# Bounds on what an error may carry back: messages often echo input, and the status travels
# in HTTP/2 trailers, which Envoy refuses past its header limit (the client then sees 502).
MAX_MESSAGE_CHARS = 1000
MAX_FIELD_CHARS = 200
MAX_DESCRIPTION_CHARS = 300
MAX_VIOLATIONS = 20


def bounded(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters in the middle, saying so: the start says
    what was wrong, the end often why ("... is too long")."""
    marker = " ... (truncated) ... "
    if len(text) <= limit:
        return text
    if limit < 3 * len(marker):
        return text[:limit]
    keep = limit - len(marker)
    head = keep * 2 // 3
    return text[:head] + marker + text[len(text) - (keep - head) :]


class DomainError(Exception):
    """A failure the caller can act on. Subclasses fix the status code."""

    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN
    default_reason = "UNKNOWN"

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        violations: list[tuple[str, str]] | None = None,
        metadata: dict[str, str] | None = None,
    ) -> None:
        message = bounded(message, MAX_MESSAGE_CHARS)
        super().__init__(message)
        self.message = message
        self.reason = reason or self.default_reason
        # (field, description) pairs, reported as google.rpc.BadRequest.
        self.violations = [
            (bounded(f, MAX_FIELD_CHARS), bounded(d, MAX_DESCRIPTION_CHARS))
            for f, d in (violations or [])[:MAX_VIOLATIONS]
        ]
        self.metadata = {k: bounded(v, MAX_DESCRIPTION_CHARS) for k, v in (metadata or {}).items()}

    def to_status(self) -> status_pb2.Status:
        details: list[any_pb2.Any] = []
        if self.violations:
            bad = error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(field=f, description=d)
                    for f, d in self.violations
                ]
            )
            packed = any_pb2.Any()
            packed.Pack(bad)
            details.append(packed)
        info = any_pb2.Any()
        info.Pack(
            error_details_pb2.ErrorInfo(
                reason=self.reason, domain=ERROR_DOMAIN, metadata=self.metadata
            )
        )
        details.append(info)
        # Bounded again: a subclass or caller may have changed the message after __init__.
        message = bounded(self.message, MAX_MESSAGE_CHARS)
        return status_pb2.Status(code=self.code.value[0], message=message, details=details)


class InvalidArgument(DomainError):
    code = grpc.StatusCode.INVALID_ARGUMENT
    default_reason = "INVALID_ARGUMENT"


class NotFound(DomainError):
    code = grpc.StatusCode.NOT_FOUND
    default_reason = "NOT_FOUND"


class AlreadyExists(DomainError):
    code = grpc.StatusCode.ALREADY_EXISTS
    default_reason = "ALREADY_EXISTS"


class PermissionDenied(DomainError):
    code = grpc.StatusCode.PERMISSION_DENIED
    default_reason = "PERMISSION_DENIED"


class Unauthenticated(DomainError):
    code = grpc.StatusCode.UNAUTHENTICATED
    default_reason = "UNAUTHENTICATED"


class FailedPrecondition(DomainError):
    code = grpc.StatusCode.FAILED_PRECONDITION
    default_reason = "FAILED_PRECONDITION"


class Aborted(DomainError):
    code = grpc.StatusCode.ABORTED
    default_reason = "ABORTED"


class ResourceExhausted(DomainError):
    code = grpc.StatusCode.RESOURCE_EXHAUSTED
    default_reason = "RESOURCE_EXHAUSTED"


class Unavailable(DomainError):
    code = grpc.StatusCode.UNAVAILABLE
    default_reason = "UNAVAILABLE"


class Internal(DomainError):
    """A failure of ours: the caller learns only that it happened and the request id."""

    code = grpc.StatusCode.INTERNAL
    default_reason = "INTERNAL"


def invalid(field: str, description: str, *, reason: str = "INVALID_ARGUMENT") -> InvalidArgument:
    """One bad field: the message names it, the details carry it as a violation."""
    return InvalidArgument(
        f"{field}: {description}", reason=reason, violations=[(field, description)]
    )


class Violations:
    """Collects every bad field of a request, so the caller learns them all at once."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, field: str, description: str) -> None:
        self.items.append((field, description))

    def raise_if_any(self) -> None:
        if self.items:
            message = "; ".join(
                f"{bounded(f, MAX_FIELD_CHARS)}: {bounded(d, MAX_DESCRIPTION_CHARS)}"
                for f, d in self.items[:MAX_VIOLATIONS]
            )
            raise InvalidArgument(message, violations=self.items)
