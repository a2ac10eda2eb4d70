"""The saga log's records: a saga and its steps, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Saga states. The first two are unfinished: an orchestrator drives them.
RUNNING = "running"
COMPENSATING = "compensating"
COMPLETED = "completed"
COMPENSATED = "compensated"
CANCELLED = "cancelled"
NEEDS_ATTENTION = "needs_attention"
UNFINISHED = (RUNNING, COMPENSATING)
SAGA_STATES = (RUNNING, COMPENSATING, COMPLETED, COMPENSATED, CANCELLED, NEEDS_ATTENTION)

# Step states.
PENDING = "pending"
STEP_RUNNING = "running"
DONE = "done"
SKIPPED = "skipped"
FAILED = "failed"
STEP_COMPENSATING = "compensating"
STEP_COMPENSATED = "compensated"
STEP_NEEDS_ATTENTION = "needs_attention"


@dataclass
class Step:
    name: str
    position: int
    state: str = PENDING
    attempts: int = 0
    result: dict[str, Any] | None = None
    error: str = ""
    # True when the last failure may still have taken effect (deadline, unavailable).
    ambiguous: bool = False
    compensation_attempts: int = 0
    started_at: datetime | None = None
    updated_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass
class Saga:
    id: str
    tenant_id: str
    type: str
    state: str
    input: dict[str, Any]
    error: str = ""
    request_id: str | None = None
    cancel_requested: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    finished_at: datetime | None = None
    steps: list[Step] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.state not in UNFINISHED

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)
