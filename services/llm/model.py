"""The llm service's records as the domain sees them, independent of protobuf and SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

BUDGET_SCOPES = ("session", "user_daily", "tenant_daily")


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    model_calls: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            round(self.cost_usd + other.cost_usd, 10),
            self.model_calls + other.model_calls,
        )


@dataclass(frozen=True)
class Session:
    id: str
    tenant_id: str
    user_id: str
    title: str
    base_id: str
    message_count: int = 0
    usage: Usage = Usage()
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class StoredMessage:
    """A message of a session. An assistant message's tool_calls are dicts with id, name,
    arguments, result and is_error; a tool message holds the one call it answers."""

    id: str
    role: str
    content: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    tool_call_id: str = ""
    created_at: datetime | None = None


@dataclass(frozen=True)
class ModelCallRecord:
    tenant_id: str
    user_id: str
    session_id: str
    provider: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    priced: bool
    latency_ms: float


@dataclass(frozen=True)
class Budget:
    scope: str
    session_id: str
    limit_usd: float
    spent_usd: float
    # False when no limit is set (limit_usd is then 0 and nothing is enforced).
    is_set: bool = True

    @property
    def exhausted(self) -> bool:
        return self.is_set and self.spent_usd >= self.limit_usd
