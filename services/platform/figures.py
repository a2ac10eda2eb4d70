"""The analytics figures, as plain values: the metrics the mesh measures, and what one event
of the bus adds to them.

LLM figures are named after OpenTelemetry's GenAI semantic conventions
(`gen_ai.usage.input_tokens`, `gen_ai.usage.output_tokens`); the conventions name no cost,
so `gen_ai.usage.cost_usd` follows their pattern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date

from tablemesh.events.v1.events_pb2 import ActorKind, Event

API_CALLS = "api.calls"
CHAT_TURNS = "chat.turns"
TOOL_CALLS = "chat.tool_calls"
INPUT_TOKENS = "gen_ai.usage.input_tokens"
OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
COST_USD = "gen_ai.usage.cost_usd"
RECORDS_CREATED = "records.created"
# Events of a type this version does not know (a newer producer's): counted, not lost.
OTHER_EVENTS = "events.other"

# Event type -> the metric it counts once.
COUNTED_EVENTS = {
    "user.registered": "users.registered",
    "base.created": "bases.created",
    "base.deleted": "bases.deleted",
    "table.created": "tables.created",
    "field.created": "fields.created",
}
# Record event type -> the metric counting the records of its batch.
RECORD_EVENTS = {
    "record.created": RECORDS_CREATED,
    "record.updated": "records.updated",
    "record.deleted": "records.deleted",
}
CHAT_TURN = "chat.turn.completed"
FILES_UPLOADED = "files.uploaded"
FILE_BYTES = "files.uploaded_bytes"
# execution.finished -> the metric counting the workflow runs that ended so.
RUN_STATUSES = {s: f"workflow_runs.{s}" for s in ("succeeded", "failed", "skipped")}

MEASURED = (
    API_CALLS,
    CHAT_TURNS,
    TOOL_CALLS,
    INPUT_TOKENS,
    OUTPUT_TOKENS,
    COST_USD,
    *RECORD_EVENTS.values(),
    *COUNTED_EVENTS.values(),
    FILES_UPLOADED,
    FILE_BYTES,
    *RUN_STATUSES.values(),
    OTHER_EVENTS,
)

# A client's names: dot-separated lowercase parts, each starting with a letter.
CLIENT_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
MAX_CLIENT_NAME = 64
CLIENT_EVENT_PREFIX = "client.event."
CLIENT_METRIC_PREFIX = "client.metric."


def is_client_name(name: str) -> bool:
    return len(name) <= MAX_CLIENT_NAME and CLIENT_NAME.match(name) is not None


def is_client_metric(metric: str) -> bool:
    """Whether `metric` names a client's figure ("client.event.x", "client.metric.x")."""
    for prefix in (CLIENT_EVENT_PREFIX, CLIENT_METRIC_PREFIX):
        if metric.startswith(prefix):
            return is_client_name(metric[len(prefix) :])
    return False


@dataclass(frozen=True)
class Increment:
    """An amount to add to one daily figure."""

    tenant_id: str
    user_id: str
    day: date
    metric: str
    value: float


@dataclass(frozen=True)
class TableWrite:
    """Records written in one table by one user on one day."""

    tenant_id: str
    user_id: str
    day: date
    base_id: str
    table_id: str
    table_name: str
    writes: int


@dataclass(frozen=True)
class EventFigures:
    increments: list[Increment]
    table_writes: list[TableWrite]


def actor_user(event: Event) -> str:
    """The user an event is counted for: its actor when a person; else "" (the tenant's)."""
    if event.type == "user.registered":
        return event.user_registered.user_id
    return event.actor.id if event.actor.kind == ActorKind.ACTOR_KIND_USER else ""


def of_event(event: Event) -> EventFigures:
    """What one event adds, on the UTC day it happened."""
    day = event.time.ToDatetime(tzinfo=UTC).date()
    user = actor_user(event)

    def add(metric: str, value: float) -> Increment:
        return Increment(event.tenant_id, user, day, metric, value)

    if event.type in RECORD_EVENTS:
        records = event.records
        count = len(records.records)
        write = TableWrite(
            event.tenant_id, user, day, records.base_id, records.table_id, records.table_name, count
        )
        return EventFigures([add(RECORD_EVENTS[event.type], count)], [write] if count else [])
    if event.type == CHAT_TURN:
        turn = event.chat_turn
        return EventFigures(
            [
                add(CHAT_TURNS, 1),
                add(TOOL_CALLS, turn.tool_calls),
                add(INPUT_TOKENS, turn.input_tokens),
                add(OUTPUT_TOKENS, turn.output_tokens),
                add(COST_USD, turn.cost_usd),
            ],
            [],
        )
    if event.type == "file.uploaded":
        return EventFigures([add(FILES_UPLOADED, 1), add(FILE_BYTES, event.file.size_bytes)], [])
    if event.type == "execution.finished" and event.execution.status in RUN_STATUSES:
        return EventFigures([add(RUN_STATUSES[event.execution.status], 1)], [])
    return EventFigures([add(COUNTED_EVENTS.get(event.type, OTHER_EVENTS), 1)], [])
