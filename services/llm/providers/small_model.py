"""What a small local model is offered and held to at each step: a few tools, each named
by its purpose, and the base's tables learnt before a new question's first data call."""

from __future__ import annotations

import dataclasses
import re

from services.llm.providers.base import ChatMessage, ToolSpec

# The tools a small model is offered: every listed tool costs prompt tokens on every call
# (prefill is most of a CPU model's time: ~900 tokens for all 14, 35 s on 2 busy cores),
# and these answer and edit what users ask about most.
# Each with the purpose a reply names before the tool: the model first says what it needs
# (a figure, records, a change), and the grammar then admits only the tools that give it;
# asked for a total, a small model otherwise fetches records and adds them up itself.
SMALL_MODEL_TOOLS = {
    "list_tables": "the tables and their fields",
    "get_records": "records to show",
    "search_records": "records to show",
    "analyze_table_data": "a figure: a sum, an average, a count, a minimum or a maximum",
    "create_record": "a change to the data",
    "update_record": "a change to the data",
}
# A base's id as the conversation names it (the system prompt, or the user).
BASE_ID = re.compile(r"\bapp[A-Za-z0-9]{14}\b")


def purpose_of(tool_name: str) -> str:
    return SMALL_MODEL_TOOLS.get(tool_name, "another tool's result")


# Optional arguments a small model is not shown: it sets them at random (one record read
# for an average; a view "All" that no table has, then the same call again), where the
# tool's default is what the question needs.
HIDDEN_ARGUMENTS = ("max_records", "view")


def _without_hidden(tool: ToolSpec) -> ToolSpec:
    schema = tool.parameters or {}
    required = set(schema.get("required", []))
    properties = {
        name: spec
        for name, spec in schema.get("properties", {}).items()
        if name not in HIDDEN_ARGUMENTS or name in required
    }
    if properties == schema.get("properties", {}):
        return tool
    return dataclasses.replace(tool, parameters={**schema, "properties": properties})


def offered(tools: list[ToolSpec]) -> list[ToolSpec]:
    return [_without_hidden(tool) for tool in tools if tool.name in SMALL_MODEL_TOOLS]


SCHEMA_TOOL = "list_tables"
# Data calls (tools other than list_tables) after which a question must be answered.
DATA_CALLS = 3


def knows_schema(messages: list[ChatMessage]) -> bool:
    return any(m.role == "tool" and m.name == SCHEMA_TOOL for m in messages)


def named_bases(messages: list[ChatMessage]) -> set[str]:
    """The bases' ids the conversation names (the system prompt's, or the user's)."""
    return {
        found
        for m in messages
        if m.role in ("system", "user")
        for found in BASE_ID.findall(m.content)
    }


def names_a_base(messages: list[ChatMessage]) -> bool:
    return bool(named_bases(messages))


def _needs_a_base(tool: ToolSpec) -> bool:
    return "base_id" in (tool.parameters or {}).get("required", [])


def _since_question(messages: list[ChatMessage]) -> list[ChatMessage]:
    for at in range(len(messages) - 1, -1, -1):
        if messages[at].role == "user":
            return messages[at + 1 :]
    return messages


def next_step(messages: list[ChatMessage], tools: list[ToolSpec]) -> tuple[list[ToolSpec], bool]:
    """The tools the next reply may call, and whether it may answer instead.

    A user's new question is answered from the data: the first reply must be a tool call
    (a small model otherwise guesses figures; it may answer once a tool has run). Until
    the conversation holds the base's tables, that call is list_tables, and the one after
    it must fetch the data with another tool: a small model picks filters and fields by
    guesswork otherwise (a sum over every record instead of the finished ones), or
    answers from the table list alone. After a repeated call, or DATA_CALLS data calls,
    it must answer.
    """
    if not tools or not messages:
        return tools, True
    schema = [tool for tool in tools if tool.name == SCHEMA_TOOL]
    others = [tool for tool in tools if tool.name != SCHEMA_TOOL]
    if messages[-1].role == "user":
        if not names_a_base(messages):
            # A small model invents the id of a base it was not told: only the tools that
            # need none, or an answer (asking which base is meant, as the prompt says).
            return [t for t in tools if not _needs_a_base(t)], True
        if schema and not knows_schema(messages):
            return schema, False
        return tools, False
    since = _since_question(messages)
    ran = [m.name for m in since if m.role == "tool"]
    if ran and others and all(name == SCHEMA_TOOL for name in ran):
        return others, False
    if _repeated_a_call(since) or sum(name != SCHEMA_TOOL for name in ran) >= DATA_CALLS:
        # It has what it will get: a small model otherwise asks again for what it has
        # (the same call, word for word) until the step limit ends the turn unanswered.
        return [], True
    return tools, True


def _repeated_a_call(since: list[ChatMessage]) -> bool:
    calls = [(c.name, c.arguments) for m in since if m.role == "assistant" for c in m.tool_calls]
    return bool(calls) and calls[-1] in calls[:-1]
