"""The API's workflow messages to the domain's and back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from tablemesh.automation.v1 import workflows_service_pb2 as pb

from services.automation.workflows import model as m
from services.runtime.structs import dict_of, struct_of
from services.runtime.wire import timestamp

OVERLAP = {pb.OVERLAP_POLICY_QUEUE: m.QUEUE}
OVERLAP_PB = {m.SKIP: pb.OVERLAP_POLICY_SKIP, m.QUEUE: pb.OVERLAP_POLICY_QUEUE}
CATCH_UP = {pb.CATCH_UP_POLICY_NONE: m.NONE}
CATCH_UP_PB = {m.LATEST: pb.CATCH_UP_POLICY_LATEST, m.NONE: pb.CATCH_UP_POLICY_NONE}
CHANGES = {
    pb.RECORD_CHANGE_CREATED: m.CREATED,
    pb.RECORD_CHANGE_UPDATED: m.UPDATED,
    pb.RECORD_CHANGE_MATCHED: m.MATCHED,
}
CHANGES_PB = {v: k for k, v in CHANGES.items()}
STATUS_PB = {
    m.QUEUED: pb.EXECUTION_STATUS_QUEUED,
    m.RUNNING: pb.EXECUTION_STATUS_RUNNING,
    m.WAITING: pb.EXECUTION_STATUS_WAITING,
    m.SUCCEEDED: pb.EXECUTION_STATUS_SUCCEEDED,
    m.FAILED: pb.EXECUTION_STATUS_FAILED,
    m.SKIPPED: pb.EXECUTION_STATUS_SKIPPED,
}


def trigger_of(message: pb.Trigger) -> m.Trigger:
    kind = message.WhichOneof("kind") or ""
    settings: dict[str, Any] = {}
    if kind == m.SCHEDULE:
        s = message.schedule
        settings = {
            "cron": s.cron,
            "time_zone": s.time_zone,
            "catch_up": CATCH_UP.get(s.catch_up, m.LATEST),
        }
    elif kind == m.FILE_UPLOADED:
        f = message.file_uploaded
        settings = {
            "extensions": [e.lower().lstrip(".") for e in f.extensions],
            "content_types": [t.lower() for t in f.content_types],
            "max_size_bytes": f.max_size_bytes,
        }
    elif kind == m.RECORD:
        r = message.record
        changes = [CHANGES.get(c, "unspecified") for c in r.changes]
        settings = {
            "base_id": r.base_id,
            "table_id": r.table_id,
            "changes": changes,
            "formula": r.formula,
        }
    return m.Trigger(kind, settings)


def workflow_of(message: pb.Workflow) -> m.Workflow:
    steps = [
        m.StepSpec(
            name=s.name,
            type=s.type,
            config=dict_of(s.config),
            continue_on_error=s.continue_on_error,
            timeout_seconds=s.timeout_seconds or m.DEFAULT_TIMEOUT,
            max_attempts=s.max_attempts or m.DEFAULT_ATTEMPTS,
        )
        for s in message.steps
    ]
    return m.Workflow(
        id=message.id,
        tenant_id="",
        name=message.name,
        description=message.description,
        enabled=message.enabled,
        trigger=trigger_of(message.trigger),
        steps=steps,
        overlap_policy=OVERLAP.get(message.overlap_policy, m.SKIP),
        creator_user_id="",
    )


def _time(value: datetime | str | None) -> Timestamp | None:
    """Step times are kept as ISO text in the execution's JSON; others are datetimes."""
    return timestamp(
        datetime.fromisoformat(value) if isinstance(value, str) and value else value or None
    )


def trigger_pb(trigger: m.Trigger) -> pb.Trigger:
    s = trigger.settings
    if trigger.kind == m.SCHEDULE:
        schedule = pb.ScheduleTrigger(
            cron=s["cron"], time_zone=s["time_zone"], catch_up=CATCH_UP_PB[s["catch_up"]]
        )
        return pb.Trigger(schedule=schedule)
    if trigger.kind == m.FILE_UPLOADED:
        return pb.Trigger(file_uploaded=pb.FileUploadedTrigger(**s))
    if trigger.kind == m.RECORD:
        record = pb.RecordTrigger(
            base_id=s["base_id"],
            table_id=s["table_id"],
            changes=[CHANGES_PB[c] for c in s["changes"]],
            formula=s["formula"],
        )
        return pb.Trigger(record=record)
    return pb.Trigger(manual=pb.ManualTrigger())


def workflow_pb(wf: m.Workflow) -> pb.Workflow:
    return pb.Workflow(
        id=wf.id,
        name=wf.name,
        description=wf.description,
        enabled=wf.enabled,
        trigger=trigger_pb(wf.trigger),
        steps=[
            pb.Step(
                name=s.name,
                type=s.type,
                config=struct_of(s.config),
                continue_on_error=s.continue_on_error,
                timeout_seconds=s.timeout_seconds,
                max_attempts=s.max_attempts,
            )
            for s in wf.steps
        ],
        overlap_policy=OVERLAP_PB[wf.overlap_policy],
        creator_user_id=wf.creator_user_id,
        create_time=_time(wf.created_at),
        update_time=_time(wf.updated_at),
    )


def execution_pb(e: m.Execution) -> pb.Execution:
    return pb.Execution(
        id=e.id,
        workflow_id=e.workflow_id,
        status=STATUS_PB[e.status],
        trigger_type=e.trigger_type,
        trigger_data=struct_of(e.trigger_data),
        steps=[
            pb.StepRun(
                index=r.index,
                name=r.name,
                type=r.type,
                status=r.status,
                input=struct_of(r.input),
                output=struct_of(r.output),
                logs=r.logs,
                error=r.error,
                attempts=r.attempts,
                start_time=_time(r.started_at),
                end_time=_time(r.ended_at),
                duration_ms=r.duration_ms,
            )
            for r in e.steps
        ],
        error=e.error,
        create_time=_time(e.created_at),
        end_time=_time(e.ended_at),
    )
