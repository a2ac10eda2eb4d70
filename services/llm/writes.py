"""The writes of a chat turn, each one statement, built once.

A turn writes three or more times (its session and the user's message; each model call
with what it cost, and the answer it gave; each tool step's messages), so these statements
are built and compiled once, with bound parameters, and each is sent on its own, outside
any explicit transaction (autocommit): one round trip where a transaction takes four.
A turn's last write also announces the finished turn on the event bus: the event goes into
the outbox as one more CTE of that statement, so it exists exactly when the turn's cost
does. New messages go in as a data-modifying CTE of the statement that creates or updates their
session, so both happen or neither; they come as one JSON array whose elements are
inserted in array order, which gives them their `seq` in that order (one statement for
any number of messages, where a multi-row VALUES would be compiled again each time).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from tablemesh.events.v1.events_pb2 import Event

from services.llm.model import ModelCallRecord, StoredMessage
from services.llm.tables import (
    MONEY,
    STAMP,
    UUID,
    budget_reservations,
    messages,
    model_calls,
    outbox,
    sessions,
)
from services.runtime import events


def param(name: str, type_: Any = None) -> sa.BindParameter[Any]:
    # Not a column's name: SQLAlchemy keeps those for the values of an INSERT or UPDATE.
    return sa.bindparam(f"p_{name}", type_=type_)


def bound(**values: Any) -> dict[str, Any]:
    """Parameters for the statements below, by the names `param` was given."""
    return {f"p_{name}": value for name, value in values.items()}


_rows = (
    sa.func.jsonb_array_elements(param("rows", type_=postgresql.JSONB))
    .table_valued(sa.column("value", postgresql.JSONB), with_ordinality="n")
    .render_derived()
)
_message = _rows.c.value
_session_id = param("session_id", type_=UUID)
_now = param("now", type_=STAMP)
_cost = param("cost_usd", type_=MONEY)

INSERT_MESSAGES = messages.insert().from_select(
    ["id", "session_id", "role", "content", "tool_calls", "tool_call_id", "created_at"],
    sa.select(
        sa.cast(_message["id"].astext, UUID),
        _session_id,
        _message["role"].astext,
        _message["content"].astext,
        _message["tool_calls"],
        _message["tool_call_id"].astext,
        _now,
    ).order_by(_rows.c.n),
)

START_SESSION = (
    sessions.insert()
    .values(
        id=_session_id,
        tenant_id=param("tenant_id", type_=UUID),
        user_id=param("user_id"),
        title=param("title"),
        base_id=param("base_id"),
        message_count=param("count"),
        created_at=_now,
        updated_at=_now,
    )
    .returning(*sessions.c)
    .add_cte(INSERT_MESSAGES.cte("new_messages"))
)

ADD_MESSAGES = (
    sessions.update()
    .where(sessions.c.id == _session_id)
    .values(
        message_count=sessions.c.message_count + param("count"),
        updated_at=_now,
        # NULL keeps the session's base.
        base_id=sa.func.coalesce(param("base_id", type_=sa.Text), sessions.c.base_id),
    )
    .add_cte(INSERT_MESSAGES.cte("new_messages"))
)

# The call, its cost added to the session's totals, its reservation (if any) gone, and the
# messages it produced (if any), at once.
RECORD_CALL = (
    sessions.update()
    .where(sessions.c.id == _session_id)
    .values(
        prompt_tokens=sessions.c.prompt_tokens + param("prompt_tokens"),
        completion_tokens=sessions.c.completion_tokens + param("completion_tokens"),
        cost_usd=sessions.c.cost_usd + _cost,
        model_calls=sessions.c.model_calls + 1,
        message_count=sessions.c.message_count + param("count"),
        updated_at=_now,
    )
    .add_cte(
        model_calls.insert()
        .values(
            id=param("call_id", type_=UUID),
            tenant_id=param("tenant_id", type_=UUID),
            user_id=param("user_id"),
            session_id=_session_id,
            provider=param("provider"),
            model=param("model"),
            prompt_tokens=param("prompt_tokens"),
            completion_tokens=param("completion_tokens"),
            cost_usd=_cost,
            priced=param("priced"),
            latency_ms=param("latency_ms"),
            created_at=_now,
        )
        .cte("new_call")
    )
    .add_cte(
        budget_reservations.delete()
        .where(budget_reservations.c.id == param("reservation_id", type_=UUID))
        .cte("settled_reservation")
    )
    .add_cte(INSERT_MESSAGES.cte("new_messages"))
)


# The turn's event, beside the last call (or, after the step limit, the last message).
_TURN_EVENT = (
    outbox.insert()
    .values(
        event_id=param("event_id", type_=UUID),
        type=param("event_type"),
        body=param("event_body"),
        created_at=_now,
    )
    .cte("turn_event")
)
RECORD_LAST_CALL = RECORD_CALL.add_cte(_TURN_EVENT)
ADD_LAST_MESSAGES = ADD_MESSAGES.add_cte(_TURN_EVENT)


def event_params(event: Event) -> dict[str, Any]:
    return bound(event_id=event.id, event_type=event.type, event_body=events.to_json(event))


def message_params(session_id: str, new: list[StoredMessage], now: datetime) -> dict[str, Any]:
    rows = [
        {
            "id": m.id,
            "role": m.role,
            "content": m.content,
            "tool_calls": m.tool_calls,
            "tool_call_id": m.tool_call_id,
        }
        for m in new
    ]
    return bound(session_id=session_id, now=now, rows=rows, count=len(new))


def call_params(
    call: ModelCallRecord,
    call_id: str,
    reservation_id: str | None,
    answer: list[StoredMessage],
    now: datetime,
) -> dict[str, Any]:
    return {
        **message_params(call.session_id, answer, now),
        **bound(**call.__dict__, call_id=call_id, reservation_id=reservation_id),
    }
