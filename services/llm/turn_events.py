"""The llm service's event: a finished chat turn, announced on the mesh's event bus
("chat.turn.completed") by the turn's last write (services/llm/writes.py), with the whole
turn's tokens and cost, for the analytics."""

from __future__ import annotations

from tablemesh.events.v1.events_pb2 import Actor, ActorKind, ChatTurnCompleted, Event

from services.llm.model import Usage
from services.llm.spending import TurnSpending
from services.runtime.events import new_event

SOURCE = "llm"
TYPE = "chat.turn.completed"


def turn_completed(
    spending: TurnSpending, response_model: str, usage: Usage, tool_calls: int
) -> Event:
    caller = spending.caller
    kind = ActorKind.ACTOR_KIND_SERVICE if caller.is_service else ActorKind.ACTOR_KIND_USER
    payload = ChatTurnCompleted(
        session_id=spending.session_id,
        gen_ai_system=spending.provider,
        gen_ai_request_model=spending.model,
        gen_ai_response_model=response_model,
        input_tokens=usage.prompt_tokens,
        output_tokens=usage.completion_tokens,
        cost_usd=usage.cost_usd,
        model_calls=usage.model_calls,
        tool_calls=tool_calls,
    )
    actor = Actor(kind=kind, id=caller.user_id, role=caller.role)
    return new_event(TYPE, caller.tenant_id, SOURCE, actor=actor, chat_turn=payload)
