"""Tool use for small models as constrained JSON turns.

Each model call must answer one JSON object, held to a schema by the model service's
grammar: either `{"tool": name, "arguments": {...}}` or `{"answer": "..."}`. Small models
follow that far more reliably than a native tool-calling format (which llama.cpp renders
poorly for them), and the reply is parsed without guessing. The tools are described in
the system prompt; their results come back as user messages, so any chat template works.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema

from services.llm.providers.answer_stream import AnswerDecoder
from services.llm.providers.base import ChatMessage, ToolRequest, ToolSpec
from services.llm.providers.small_model import purpose_of

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
# The question repeated after a tool result is cut to this (a pasted document needs no echo).
QUESTION_CHARS = 500
IN_WORDS = "When you answer, reply in a short sentence of words, not JSON."
ANSWER_ONLY = {
    "type": "object",
    "properties": {"answer": {"type": "string"}},
    "required": ["answer"],
}

GUIDE = (
    "You answer with exactly one JSON object and nothing else. To use a tool: "
    '{"purpose": "<what you need>", "tool": "<tool name>", "arguments": {<its arguments>}}. '
    "To reply to the user: "
    '{"answer": "<your reply>"}. Use tools to read the data; never guess figures. Do no '
    "arithmetic yourself: for sums, averages, minimums, maximums and counts call "
    "analyze_table_data and answer with the figure it returns. A new question starts "
    "with list_tables: use the table and field names and the select choices exactly as "
    "it returns them. When the question is about some of the records only (by a status, "
    "a person, a category), read the figure of the matching choice in the result's "
    "groups, or pass filter_by_formula comparing that field with the choice, for example "
    "{Stage} = 'Won'. Once a tool's result answers the question, reply with it."
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


def turn_schema(tools: list[ToolSpec], answer: bool = True) -> dict[str, Any]:
    """The JSON schema of one reply: a call of one of `tools`, or (`answer`) an answer."""
    calls = [
        {
            "type": "object",
            "properties": {
                # First: naming what is needed narrows the tools to those that give it.
                "purpose": {"const": purpose_of(tool.name)},
                "tool": {"const": tool.name},
                "arguments": _structure(tool.parameters or {"type": "object"}),
            },
            "required": ["purpose", "tool", "arguments"],
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
    question = ""
    for m in messages:
        if m.role == "system":
            out.append(("system", system_message(m.content, tools)))
        elif m.role == "tool":
            # The question again after each result: a small model otherwise answers what
            # the result shows (every record's total) rather than what was asked.
            # And how to answer it: asked for a figure, a small model otherwise echoes the
            # result's JSON ("{sum: 36.5}") as its reply.
            asked = f"\nThe question: {question}\n{IN_WORDS}" if question else ""
            out.append(("user", f"Result of {m.name}: {m.content}{asked}"))
        elif m.role == "assistant" and m.tool_calls:
            call = m.tool_calls[0]
            said = {
                "purpose": purpose_of(call.name),
                "tool": call.name,
                "arguments": call.arguments,
            }
            out.append(("assistant", json.dumps(said)))
        elif m.role == "assistant":
            out.append(("assistant", json.dumps({"answer": m.content})))
        else:
            question = m.content[:QUESTION_CHARS]
            out.append(("user", m.content))
    return out


def without_blanks(arguments: dict[str, Any], spec: ToolSpec) -> dict[str, Any]:
    """A small model fills optional arguments it has no use for with "": left out, as
    meant (the tool's own default applies), not refused by the length check."""
    required = set((spec.parameters or {}).get("required", []))
    return {k: v for k, v in arguments.items() if v != "" or k in required}


def _call(reply: dict[str, Any], tools: list[ToolSpec], step_id: str) -> ToolRequest:
    name = str(reply.get("tool", ""))
    arguments = reply.get("arguments")
    raw = json.dumps(arguments)
    spec = next((t for t in tools if t.name == name), None)
    if not isinstance(arguments, dict) or spec is None:
        return ToolRequest(step_id, name, None, raw)
    arguments = without_blanks(arguments, spec)
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
