"""Tool use for small models as constrained JSON turns.

Each model call must answer one JSON object, held to a schema by the model service's
grammar: either `{"tool": name, "arguments": {...}}` or `{"answer": "..."}`. Small models
follow that far more reliably than a native tool-calling format (which llama.cpp renders
poorly for them), and the reply is parsed without guessing. The tools are described in
the system prompt; their results come back as user messages, so any chat template works.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

import jsonschema

from services.llm.providers.base import ChatMessage, ModelReply, ToolRequest, ToolSpec

# Schema keywords the grammar keeps (ids keep their patterns); bounds (lengths, counts,
# ranges) are left to the validation after the reply: long repetition bounds blow the
# grammar up.
STRUCTURE = (
    "type",
    "properties",
    "required",
    "items",
    "enum",
    "const",
    "additionalProperties",
    "pattern",
)
ANSWER_ONLY = {
    "type": "object",
    "properties": {"answer": {"type": "string"}},
    "required": ["answer"],
}

GUIDE = (
    "You answer with exactly one JSON object and nothing else. To use a tool: "
    '{"tool": "<tool name>", "arguments": {<its arguments>}}. To reply to the user: '
    '{"answer": "<your reply>"}. Use tools to read the data; never guess figures. Do no '
    "arithmetic yourself: for sums, averages, minimums, maximums and counts call "
    "analyze_table_data and answer with the figure it returns. When the question is about "
    "some of the records only (finished, open, someone's), first call list_tables to learn "
    "the fields and their choices, then pass filter_by_formula, for example "
    "{Status} = 'Done'. Once a tool's result answers the question, reply with it."
)


def _structure(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_structure(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    kept = {key: value for key, value in schema.items() if key in STRUCTURE}
    if isinstance(kept.get("properties"), dict):
        kept["properties"] = {k: _structure(v) for k, v in kept["properties"].items()}
    if "items" in kept:
        kept["items"] = _structure(kept["items"])
    if isinstance(kept.get("additionalProperties"), dict):
        kept["additionalProperties"] = _structure(kept["additionalProperties"])
    return kept


# The tools a small model is offered: every listed tool costs prompt tokens on every call
# (prefill is most of a CPU model's time: ~900 tokens for all 14, 35 s on 2 busy cores),
# and these answer and edit what users ask about most.
SMALL_MODEL_TOOLS = (
    "list_tables",
    "get_records",
    "search_records",
    "analyze_table_data",
    "create_record",
    "update_record",
)


def offered(tools: list[ToolSpec]) -> list[ToolSpec]:
    return [tool for tool in tools if tool.name in SMALL_MODEL_TOOLS]


def must_call(messages: list[ChatMessage], tools: list[ToolSpec]) -> bool:
    """A user's new question is answered from the data: the first reply must be a tool
    call (a small model otherwise guesses figures; it may answer once a tool has run)."""
    return bool(tools) and bool(messages) and messages[-1].role == "user"


def turn_schema(tools: list[ToolSpec], answer: bool = True) -> dict[str, Any]:
    """The JSON schema of one reply: a call of one of `tools`, or (`answer`) an answer."""
    calls = [
        {
            "type": "object",
            "properties": {
                "tool": {"const": tool.name},
                "arguments": _structure(tool.parameters or {"type": "object"}),
            },
            "required": ["tool", "arguments"],
        }
        for tool in tools
    ]
    if not calls:
        return ANSWER_ONLY
    return {"oneOf": [*calls, ANSWER_ONLY] if answer else calls}


def _signature(tool: ToolSpec) -> str:
    properties = (tool.parameters or {}).get("properties", {})
    required = set((tool.parameters or {}).get("required", []))
    args = ", ".join(
        f"{name}{'' if name in required else '?'}: {spec.get('type', 'any')}"
        for name, spec in properties.items()
    )
    first_sentence = tool.description.split(". ")[0].rstrip(".")
    return f"- {tool.name}({args}): {first_sentence}."


def system_message(prompt: str, tools: list[ToolSpec]) -> str:
    # The tools first: the same for every conversation, so the model service's cache of the
    # last prompt reuses them (prefill is most of a small model's time on the CPU).
    listed = "\n".join(_signature(tool) for tool in tools)
    return f"{GUIDE}\n\nTools:\n{listed}\n\n{prompt}" if tools else f"{GUIDE}\n\n{prompt}"


def to_turn_messages(messages: list[ChatMessage], tools: list[ToolSpec]) -> list[tuple[str, str]]:
    """The conversation as (role, text) pairs of system, user and assistant messages."""
    out: list[tuple[str, str]] = []
    for m in messages:
        if m.role == "system":
            out.append(("system", system_message(m.content, tools)))
        elif m.role == "tool":
            out.append(("user", f"Result of {m.name}: {m.content}"))
        elif m.role == "assistant" and m.tool_calls:
            call = m.tool_calls[0]
            out.append(("assistant", json.dumps({"tool": call.name, "arguments": call.arguments})))
        elif m.role == "assistant":
            out.append(("assistant", json.dumps({"answer": m.content})))
        else:
            out.append(("user", m.content))
    return out


def _call(reply: dict[str, Any], tools: list[ToolSpec], step_id: str) -> ToolRequest:
    name = str(reply.get("tool", ""))
    arguments = reply.get("arguments")
    raw = json.dumps(arguments)
    spec = next((t for t in tools if t.name == name), None)
    if not isinstance(arguments, dict) or spec is None:
        return ToolRequest(step_id, name, None, raw)
    try:
        jsonschema.validate(arguments, spec.parameters or {"type": "object"})
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "arguments"
        return ToolRequest(step_id, name, arguments, raw, error=f"{where}: {exc.message}"[:500])
    except jsonschema.SchemaError:
        pass  # the tool's own schema is broken: the tool itself will say what it accepts
    return ToolRequest(step_id, name, arguments, raw)


def parse_turn(
    text: str, tools: list[ToolSpec], step_id: str = ""
) -> tuple[str, tuple[ToolRequest, ...]]:
    """(answer text, tool calls) of one constrained reply."""
    try:
        reply = json.loads(text)
    except json.JSONDecodeError:
        # Cut off (the token limit) mid-object: whatever answer text came through.
        decoder = AnswerDecoder()
        partial = decoder.feed(text)
        return (partial or "(the local model's answer was cut off)"), ()
    if isinstance(reply, dict) and "tool" in reply:
        return "", (_call(reply, tools, step_id),)
    if isinstance(reply, dict) and isinstance(reply.get("answer"), str):
        return reply["answer"], ()
    return text, ()


def as_reply(text: str, tools: list[ToolSpec], reply: ModelReply) -> ModelReply:
    answer, calls = parse_turn(text, tools)
    return ModelReply(answer, calls, reply.usage, reply.model)


class AnswerDecoder:
    """The text of an `{"answer": "..."}` reply as it streams in, piece by piece; nothing
    for a tool call (whose first key is "tool")."""

    ESCAPES = {
        '"': '"',
        "\\": "\\",
        "/": "/",
        "b": "\b",
        "f": "\f",
        "n": "\n",
        "r": "\r",
        "t": "\t",
    }

    def __init__(self) -> None:
        self.buffer = ""
        self.position = -1  # where the answer string's unread text starts, once found
        self.finished = False

    def _find_start(self) -> None:
        head = self.buffer.lstrip()
        if not head.startswith("{"):
            return
        key_at = head.find('"', 1)
        if key_at < 0 or not head.startswith('"answer"', key_at):
            return
        colon = head.find(":", key_at + 8)
        quote = head.find('"', colon + 1) if colon >= 0 else -1
        if quote >= 0:
            self.position = len(self.buffer) - len(head) + quote + 1

    def feed(self, piece: str) -> str:
        self.buffer += piece
        if self.finished:
            return ""
        if self.position < 0:
            self._find_start()
            if self.position < 0:
                return ""
        out: list[str] = []
        i, text = self.position, self.buffer
        while i < len(text):
            char = text[i]
            if char == '"':
                self.finished = True
                break
            if char != "\\":
                out.append(char)
                i += 1
                continue
            if i + 1 >= len(text):
                break  # the escape's second half has not arrived yet
            kind = text[i + 1]
            if kind == "u":
                if i + 6 > len(text):
                    break
                with contextlib.suppress(ValueError):
                    out.append(chr(int(text[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(self.ESCAPES.get(kind, kind))
            i += 2
        self.position = i
        return "".join(out)
