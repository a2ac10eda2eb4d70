"""What one event of the bus adds to the figures: records count per record of the batch,
chat turns carry their tokens and cost, each on the UTC day the event happened, for the
user who acted (the tenant's own bucket "" when no person did)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from tablemesh.events.v1.events_pb2 import (
    Actor,
    ActorKind,
    ChangedRecord,
    ChatTurnCompleted,
    Event,
    ExecutionFinished,
    FileUploaded,
    RecordsChanged,
    UserRegistered,
)

from services.platform import figures
from services.platform.figures import Increment, TableWrite

TENANT, USER = str(uuid.uuid4()), str(uuid.uuid4())
LATE = datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC)


def event(type_: str, actor: Actor | None = None, **payload: object) -> Event:
    made = Event(
        id=str(uuid.uuid4()),
        type=type_,
        tenant_id=TENANT,
        actor=actor or Actor(kind=ActorKind.ACTOR_KIND_USER, id=USER, role="member"),
        **payload,  # type: ignore[arg-type]
    )
    made.time.FromDatetime(LATE)
    return made


def test_record_events_count_their_records_and_the_table_written() -> None:
    records = RecordsChanged(
        base_id="appB", table_id="tblT", table_name="Projects", records=[ChangedRecord(id="r1")] * 3
    )
    found = figures.of_event(event("record.updated", records=records))
    day = date(2026, 3, 1)
    assert found.increments == [Increment(TENANT, USER, day, "records.updated", 3)]
    assert found.table_writes == [TableWrite(TENANT, USER, day, "appB", "tblT", "Projects", 3)]


def test_a_chat_turn_carries_its_genai_figures() -> None:
    turn = ChatTurnCompleted(input_tokens=1200, output_tokens=80, cost_usd=0.002, tool_calls=2)
    made = figures.of_event(event("chat.turn.completed", chat_turn=turn))
    found = {i.metric: i.value for i in made.increments}
    assert found == {
        "chat.turns": 1,
        "chat.tool_calls": 2,
        "gen_ai.usage.input_tokens": 1200,
        "gen_ai.usage.output_tokens": 80,
        "gen_ai.usage.cost_usd": 0.002,
    }


def test_who_an_event_is_counted_for() -> None:
    service = Actor(kind=ActorKind.ACTOR_KIND_SERVICE, id="saga", role="service")
    [made] = figures.of_event(event("base.created", service)).increments
    assert (made.metric, made.user_id) == ("bases.created", "")
    anonymous = Actor(kind=ActorKind.ACTOR_KIND_ANONYMOUS)
    registered = event("user.registered", anonymous, user_registered=UserRegistered(user_id="u9"))
    [made] = figures.of_event(registered).increments
    assert (made.metric, made.user_id) == ("users.registered", "u9")


def test_uploads_and_workflow_runs_are_counted() -> None:
    upload = event("file.uploaded", file=FileUploaded(file_id="f", size_bytes=2048))
    found = {i.metric: i.value for i in figures.of_event(upload).increments}
    assert found == {"files.uploaded": 1, "files.uploaded_bytes": 2048}
    service = Actor(kind=ActorKind.ACTOR_KIND_SERVICE, id="service:automation", role="service")
    for status in ("succeeded", "failed", "skipped"):
        ended = event("execution.finished", service, execution=ExecutionFinished(status=status))
        [made] = figures.of_event(ended).increments
        assert (made.metric, made.user_id, made.value) == (f"workflow_runs.{status}", "", 1)


def test_an_unknown_type_is_counted_not_lost() -> None:
    [made] = figures.of_event(event("invoice.paid")).increments
    assert made.metric == "events.other" and made.value == 1


def test_client_names() -> None:
    assert figures.is_client_metric("client.event.console.page_viewed")
    assert figures.is_client_metric("client.metric.render_ms")
    for bad in (
        "client.event.",
        "client.other.x",
        "client.metric.Bad",
        "api.calls",
        "client.event.1x",
    ):
        assert not figures.is_client_metric(bad), bad
    assert not figures.is_client_name("a" * 65)
