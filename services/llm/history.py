"""A session's stored history and the messages a model is sent, one from the other."""

from __future__ import annotations

import uuid
from dataclasses import asdict

from services.llm.loop import ToolCallRecord
from services.llm.model import StoredMessage
from services.llm.providers.base import ChatMessage, ToolRequest


def to_model_messages(stored: list[StoredMessage]) -> list[ChatMessage]:
    """Stored history as the model sees it, starting at a user message so that no tool
    result is cut from the call it answers."""
    while stored and stored[0].role != "user":
        stored = stored[1:]
    out: list[ChatMessage] = []
    for m in stored:
        if m.role == "tool":
            name = m.tool_calls[0]["name"] if m.tool_calls else ""
            out.append(ChatMessage("tool", m.content, tool_call_id=m.tool_call_id, name=name))
        elif m.role == "assistant":
            calls = tuple(
                ToolRequest(c["id"], c["name"], c.get("arguments") or {}) for c in m.tool_calls
            )
            out.append(ChatMessage("assistant", m.content, calls))
        else:
            out.append(ChatMessage("user", m.content))
    return out


def stored_message(
    role: str, content: str, calls: list[ToolCallRecord], call_id: str = ""
) -> StoredMessage:
    return StoredMessage(str(uuid.uuid4()), role, content, [asdict(c) for c in calls], call_id)
