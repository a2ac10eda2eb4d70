"""Constrained JSON turns for small models: the schema of a turn, the conversation as the
model sees it, a reply parsed into an answer or a validated tool call, and the answer's
text decoded as it streams."""

from __future__ import annotations

import json

import jsonschema
import pytest

from services.llm.providers.base import ChatMessage, ToolRequest
from services.llm.providers.json_turns import (
    AnswerDecoder,
    parse_turn,
    to_turn_messages,
    turn_schema,
)
from tests.llm.table_tools import GET_RECORDS

TOOLS = [GET_RECORDS]


def test_the_turn_schema_admits_a_call_or_an_answer_and_nothing_else() -> None:
    schema = turn_schema(TOOLS)
    call = {"tool": "get_records", "arguments": {"base_id": "app1", "table": "Projects"}}
    jsonschema.validate(call, schema)
    jsonschema.validate({"answer": "42"}, schema)
    for wrong in ({"tool": "drop_table", "arguments": {}}, {"say": "hi"}, {"answer": 3}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(wrong, schema)
    # Bounds stay out of the grammar (they would blow it up) and are checked afterwards.
    assert "minimum" not in json.dumps(schema)


def test_a_call_is_validated_against_the_tools_schema() -> None:
    text, calls = parse_turn(
        '{"tool": "get_records", "arguments": {"base_id": "a", "table": "T", "max_records": 0}}',
        TOOLS,
    )
    assert text == "" and len(calls) == 1
    assert calls[0].name == "get_records" and "max_records" in calls[0].error
    _, (good,) = parse_turn('{"tool":"get_records","arguments":{"base_id":"a","table":"T"}}', TOOLS)
    assert good.error == "" and good.arguments == {"base_id": "a", "table": "T"}


def test_an_answer_and_a_cut_off_answer() -> None:
    assert parse_turn('{"answer": "42 hours"}', TOOLS) == ("42 hours", ())
    assert parse_turn('{"answer": "42 ho', TOOLS) == ("42 ho", ())


def test_the_conversation_keeps_tool_turns_in_the_json_the_model_wrote() -> None:
    call = ToolRequest("c1", "get_records", {"base_id": "a", "table": "T"})
    messages = [
        ChatMessage("system", "About base a."),
        ChatMessage("user", "Hours?"),
        ChatMessage("assistant", "", (call,)),
        ChatMessage("tool", '{"records": []}', tool_call_id="c1", name="get_records"),
        ChatMessage("assistant", "None."),
    ]
    out = to_turn_messages(messages, TOOLS)
    assert [role for role, _ in out] == ["system", "user", "assistant", "user", "assistant"]
    assert "get_records(base_id: string, table: string, max_records?: integer)" in out[0][1]
    assert out[0][1].endswith("About base a.")
    assert json.loads(out[2][1]) == {"tool": "get_records", "arguments": call.arguments}
    assert out[3][1] == 'Result of get_records: {"records": []}'
    assert json.loads(out[4][1]) == {"answer": "None."}


@pytest.mark.parametrize("size", [1, 2, 3, 7])
def test_the_answer_streams_in_any_pieces(size: int) -> None:
    reply = json.dumps({"answer": 'Total: 42 h\n"done" \u00e9\\'})
    decoder = AnswerDecoder()
    pieces = [decoder.feed(reply[i : i + size]) for i in range(0, len(reply), size)]
    assert "".join(pieces) == json.loads(reply)["answer"]


def test_a_tool_call_streams_nothing() -> None:
    decoder = AnswerDecoder()
    reply = '{"tool": "get_records", "arguments": {"answer": "x"}}'
    assert [decoder.feed(c) for c in reply] == [""] * len(reply)
