"""Workflows and executions as the domain sees them (plain data, no gRPC, no SQL)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Trigger kinds, as the API's Trigger.kind oneof names them.
MANUAL, SCHEDULE, FILE_UPLOADED, RECORD = "manual", "schedule", "file_uploaded", "record"
TRIGGER_KINDS = (MANUAL, SCHEDULE, FILE_UPLOADED, RECORD)
# What started an execution besides its workflow's trigger.
RETRY = "retry"

# Record changes a record trigger reacts to.
CREATED, UPDATED, MATCHED = "created", "updated", "matched"

# Overlap policies and schedule catch-up policies.
SKIP, QUEUE = "skip", "queue"
LATEST, NONE = "latest", "none"

# Execution statuses.
QUEUED, RUNNING, WAITING = "queued", "running", "waiting"
SUCCEEDED, FAILED, SKIPPED = "succeeded", "failed", "skipped"
FINISHED = (SUCCEEDED, FAILED, SKIPPED)
# Step statuses (besides running, succeeded, failed, skipped).
PENDING = "pending"

STEP_TYPES = (
    "log",
    "create_records",
    "update_records",
    "notify",
    "delay",
    "condition",
    "process_file",
    "import_rows",
)
# Steps that write records, and so may start record-triggered workflows.
WRITING_STEPS = ("create_records", "update_records", "import_rows")
MAX_STEPS = 20
DEFAULT_TIMEOUT, MAX_TIMEOUT = 30, 300
DEFAULT_ATTEMPTS, MAX_ATTEMPTS = 3, 10
# Executions started by executions started by ... stop at this depth (loops through
# records a workflow writes, across workflows too).
MAX_CHAIN_DEPTH = 5


@dataclass
class Trigger:
    kind: str
    # The kind's settings, as the API's trigger message holds them (snake_case keys).
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass
class StepSpec:
    name: str
    type: str
    config: dict[str, Any] = field(default_factory=dict)
    continue_on_error: bool = False
    timeout_seconds: int = DEFAULT_TIMEOUT
    max_attempts: int = DEFAULT_ATTEMPTS


@dataclass
class Workflow:
    id: str
    tenant_id: str
    name: str
    description: str
    enabled: bool
    trigger: Trigger
    steps: list[StepSpec]
    overlap_policy: str
    creator_user_id: str
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass
class StepRun:
    index: int
    name: str
    type: str
    status: str = PENDING
    input: dict[str, Any] = field(default_factory=dict)
    output: dict[str, Any] = field(default_factory=dict)
    logs: list[str] = field(default_factory=list)
    error: str = ""
    attempts: int = 0
    started_at: str = ""
    ended_at: str = ""
    duration_ms: float = 0.0


@dataclass
class Execution:
    id: str
    tenant_id: str
    workflow_id: str
    status: str
    trigger_type: str
    trigger_data: dict[str, Any]
    steps: list[StepRun]
    error: str = ""
    # How many executions caused this one (0: a person or a schedule did).
    depth: int = 0
    created_at: datetime | None = None
    ended_at: datetime | None = None

    def data(self) -> dict[str, Any]:
        """What steps may quote: {{trigger.…}} and {{steps.N.output.…}}."""
        return {
            "trigger": self.trigger_data,
            "execution": {"id": self.id, "workflow_id": self.workflow_id},
            "steps": [{"output": s.output, "status": s.status} for s in self.steps],
        }


def fresh_steps(specs: list[StepSpec]) -> list[StepRun]:
    return [StepRun(i, s.name, s.type) for i, s in enumerate(specs)]
