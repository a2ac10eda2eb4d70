"""Constrained JSON turns for small models: the schema of a turn, what the next reply may
do, the conversation as the model sees it, a reply parsed into an answer or a validated
tool call."""

from __future__ import annotations

import json

import jsonschema
import pytest

from services.llm.providers.base import ChatMessage, ToolRequest, ToolSpec
from services.llm.providers.json_turns import IN_WORDS, parse_turn, to_turn_messages, turn_schema
from services.llm.providers.known_names import narrowed
from services.llm.providers.small_model import next_step, offered, purpose_of
from tests.llm.table_tools import GET_RECORDS

TOOLS = [GET_RECORDS]
LIST_TABLES = ToolSpec(
    "list_tables",
    "List the tables.",
    {"type": "object", "properties": {"base_id": {"type": "string"}}, "required": ["base_id"]},
)


def test_the_turn_schema_admits_a_call_or_an_answer_and_nothing_else() -> None:
    schema = turn_schema(TOOLS)
    arguments = {"base_id": "app1", "table": "Projects"}
    call = {"purpose": "records to show", "tool": "get_records", "arguments": arguments}
    jsonschema.validate(call, schema)
    # The purpose comes first and admits only the tools that serve it.
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**call, "purpose": "a change to the data"}, schema)
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
    # An optional argument left "" is left out (its default applies); a required one stays.
    blank = '{"tool": "get_records", "arguments": {"base_id": "a", "table": "", "view": ""}}'
    _, (call,) = parse_turn(blank, [GET_RECORDS])
    assert call.arguments == {"base_id": "a", "table": ""}


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
    said = {"purpose": "records to show", "tool": "get_records", "arguments": call.arguments}
    assert json.loads(out[2][1]) == said
    asked = f"\nThe question: Hours?\n{IN_WORDS}"
    assert out[3][1] == 'Result of get_records: {"records": []}' + asked
    assert json.loads(out[4][1]) == {"answer": "None."}


def test_a_new_question_starts_with_the_bases_tables_then_any_tool() -> None:
    tools = [LIST_TABLES, GET_RECORDS]
    asked = [ChatMessage("system", "About base appAAAAAAAAAAAAAA."), ChatMessage("user", "Hours?")]
    assert next_step(asked, tools) == ([LIST_TABLES], False)
    listed = [
        *asked,
        ChatMessage("assistant", "", (ToolRequest("c1", "list_tables", {}),)),
        ChatMessage("tool", '{"tables": []}', tool_call_id="c1", name="list_tables"),
    ]
    assert next_step(listed, tools) == ([GET_RECORDS], False)  # now the data itself
    fetched = [
        *listed,
        ChatMessage("assistant", "", (ToolRequest("c2", "get_records", {}),)),
        ChatMessage("tool", '{"records": []}', tool_call_id="c2", name="get_records"),
    ]
    assert next_step(fetched, tools) == (tools, True)  # the data has come: it may answer
    again = [*fetched, ChatMessage("assistant", "None."), ChatMessage("user", "And open ones?")]
    assert next_step(again, tools) == (tools, False)  # the tables are known: any tool
    assert next_step(asked, TOOLS) == (TOOLS, False)  # no list_tables offered
    assert next_step(asked, []) == ([], True)
    no_base = [ChatMessage("system", "No base was chosen."), ChatMessage("user", "Hello?")]
    assert next_step(no_base, tools) == ([], True)  # no base's id: it asks which base
    free = ToolSpec("list_bases", "List the bases.", {"type": "object"})
    assert next_step(no_base, [*tools, free]) == ([free], True)  # or calls what needs none


def test_a_repeated_call_or_enough_data_calls_leave_only_an_answer() -> None:
    tools = [LIST_TABLES, GET_RECORDS]
    arguments = {"base_id": "appAAAAAAAAAAAAAA", "table": "Projects"}

    def fetched(n: int, same: bool) -> list[ChatMessage]:
        out = [
            ChatMessage("system", "About base appAAAAAAAAAAAAAA."),
            ChatMessage("user", "Hours?"),
        ]
        for i in range(n):
            args = arguments if same else {**arguments, "view": f"v{i}"}
            out.append(ChatMessage("assistant", "", (ToolRequest(f"c{i}", "get_records", args),)))
            out.append(ChatMessage("tool", "{}", tool_call_id=f"c{i}", name="get_records"))
        return out

    assert next_step(fetched(2, same=False), tools) == (tools, True)
    assert next_step(fetched(2, same=True), tools) == ([], True)  # asked again: answer now
    assert next_step(fetched(3, same=False), tools) == ([], True)  # enough data calls
    assert turn_schema([]) == {
        "type": "object",
        "properties": {"answer": {"type": "string"}},
        "required": ["answer"],
    }
    # A new question starts afresh.
    again = [*fetched(3, same=True), ChatMessage("assistant", "7."), ChatMessage("user", "And?")]
    assert next_step(again, tools) == ([LIST_TABLES], False)


def test_a_calls_names_are_held_to_those_the_conversation_has_seen() -> None:
    """The base the conversation names; after list_tables, its tables and fields (group_by
    to the single selects): no miscopied id, no invented field, in the grammar or after."""
    analyze = ToolSpec(
        "analyze_table_data",
        "Totals.",
        {
            "type": "object",
            "properties": {
                "base_id": {"type": "string"},
                "table": {"type": "string"},
                "fields": {"type": "array", "items": {"type": "string"}},
                "group_by": {"type": "string"},
            },
            "required": ["base_id", "table"],
        },
    )
    asked = [ChatMessage("system", "About base appAAAAAAAAAAAAAA."), ChatMessage("user", "Hours?")]
    (before,) = narrowed([analyze], asked)
    assert before.parameters["properties"]["base_id"]["enum"] == ["appAAAAAAAAAAAAAA"]
    assert "enum" not in before.parameters["properties"]["table"]  # no tables known yet
    fields = [
        {"name": "Hours", "type": "number"},
        {"name": "Status", "type": "singleSelect", "choices": ["Done"]},
    ]
    listed = json.dumps(
        {"tables": [{"id": "tblBBBBBBBBBBBBBB", "name": "Projects", "fields": fields}]}
    )
    seen = [*asked, ChatMessage("tool", listed, tool_call_id="c1", name="list_tables")]
    (tool,) = narrowed([analyze], seen)
    properties = tool.parameters["properties"]
    assert properties["table"]["enum"] == ["Projects", "tblBBBBBBBBBBBBBB"]
    assert properties["fields"]["items"]["enum"] == ["Hours", "Status"]
    assert properties["group_by"]["enum"] == ["Status"]
    schema = turn_schema([tool])
    call = {"purpose": purpose_of(tool.name), "tool": tool.name}
    good = {"base_id": "appAAAAAAAAAAAAAA", "table": "Projects", "group_by": "Status"}
    jsonschema.validate({**call, "arguments": good}, schema)
    for wrong in ({"base_id": "appAAAAAAAAAAAAA4"}, {"group_by": "Status=Done"}, {"table": "P"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**call, "arguments": {**good, **wrong}}, schema)
    assert analyze.parameters["properties"]["table"] == {"type": "string"}  # unchanged
    # A list_tables that failed teaches nothing.
    failed = [
        *asked,
        ChatMessage("tool", "NOT_FOUND: no base", tool_call_id="c1", name="list_tables"),
    ]
    assert "enum" not in narrowed([analyze], failed)[0].parameters["properties"]["table"]


def test_a_small_model_is_offered_a_few_tools_without_paging_arguments() -> None:
    schema = GET_RECORDS.parameters
    view = {**schema, "properties": {**schema["properties"], "view": {"type": "string"}}}
    with_view = ToolSpec(GET_RECORDS.name, GET_RECORDS.description, view)
    (tool,) = offered([with_view, ToolSpec("export_table_csv", "CSV.", {"type": "object"})])
    assert tool.name == "get_records"
    assert not {"max_records", "view"} & set(tool.parameters["properties"])
    assert {"max_records", "view"} <= set(with_view.parameters["properties"])  # unchanged
