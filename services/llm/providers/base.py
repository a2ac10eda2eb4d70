"""The one interface every model provider implements, in provider-neutral types.

The loop speaks only these types; each provider translates them to its wire format
(OpenAI Chat Completions, Gemini generateContent) and its errors to domain errors.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import structlog

from services.runtime.errors import (
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    ResourceExhausted,
    Unavailable,
)

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True)
class ToolSpec:
    """A tool the model may call: its name, description and JSON schema of arguments."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class ToolRequest:
    """One tool call the model asked for. `arguments` is None when the model's arguments
    were not a JSON object (`raw_arguments` then holds what it sent)."""

    id: str
    name: str
    arguments: dict[str, Any] | None
    raw_arguments: str = ""
    # Gemini's thoughtSignature, which must go back with the call in the same turn.
    signature: str = ""
    # Why the arguments were refused before the call (the local provider checks them
    # against the tool's schema); the model is told instead of the tool running.
    error: str = ""


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str
    # An assistant message's tool calls.
    tool_calls: tuple[ToolRequest, ...] = ()
    # A tool message: the call it answers and that tool's name.
    tool_call_id: str = ""
    name: str = ""


@dataclass(frozen=True)
class TokenUsage:
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True)
class ModelReply:
    """A complete model answer: text and/or tool calls, and what it consumed."""

    text: str
    tool_calls: tuple[ToolRequest, ...] = ()
    usage: TokenUsage = field(default_factory=TokenUsage)
    model: str = ""


@dataclass(frozen=True)
class TextDelta:
    """A piece of text as it streams in."""

    text: str


class ModelProvider(Protocol):
    name: str

    async def complete(
        self, model: str, messages: list[ChatMessage], tools: list[ToolSpec]
    ) -> ModelReply: ...

    def stream(
        self, model: str, messages: list[ChatMessage], tools: list[ToolSpec]
    ) -> AsyncIterator[TextDelta | ModelReply]:
        """Text deltas as they arrive, then exactly one ModelReply with the whole answer."""
        ...

    async def close(self) -> None: ...


def provider_error(provider: str, status: int, detail: str) -> DomainError:
    """A provider's HTTP failure as the status our caller should see."""
    detail = detail[:300]
    if status in (401, 403):
        return FailedPrecondition(
            f"the {provider} provider refused the credentials (HTTP {status}); check "
            f"TABLEMESH_LLM_API_KEY: {detail}",
            reason="LLM_PROVIDER_AUTH",
        )
    if status == 404:
        return FailedPrecondition(
            f"the {provider} provider does not know this model or URL (HTTP 404); check "
            f"TABLEMESH_LLM_MODEL and TABLEMESH_LLM_BASE_URL: {detail}",
            reason="LLM_MODEL_NOT_FOUND",
        )
    if status == 429:
        return ResourceExhausted(
            f"the {provider} provider is rate limiting (HTTP 429): {detail}",
            reason="LLM_PROVIDER_RATE_LIMITED",
        )
    if 400 <= status < 500:
        return InvalidArgument(
            f"the {provider} provider rejected the request (HTTP {status}): {detail}",
            reason="LLM_PROVIDER_REJECTED",
        )
    return Unavailable(
        f"the {provider} provider failed (HTTP {status}): {detail}", reason="LLM_PROVIDER_FAILED"
    )


def unreachable(provider: str, exc: Exception) -> Unavailable:
    # The exception (its class, the address tried) is for the log, not for the caller.
    structlog.get_logger("llm.provider").warning(
        "provider unreachable", provider=provider, error=f"{type(exc).__name__}: {exc}"[:400]
    )
    return Unavailable(
        f"the {provider} provider could not be reached; retry later",
        reason="LLM_PROVIDER_UNREACHABLE",
    )
