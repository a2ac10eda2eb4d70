"""The tool catalog without any I/O: names, schemas, argument validation and defaults."""

from __future__ import annotations

import pytest

from services.mcp.catalog import Catalog
from services.mcp.tools import catalog
from services.runtime.errors import InvalidArgument, NotFound

BASE = "appAAAAAAAAAAAAAA"
RECORD = "recAAAAAAAAAAAAAA"
TOOLS = {
    "list_tables",
    "get_records",
    "search_records",
    "create_record",
    "update_record",
    "delete_record",
    "batch_create_records",
    "batch_update_records",
    "get_field_info",
    "analyze_table_data",
    "find_duplicates",
    "export_table_csv",
    "create_metadata_table",
    "sync_tables",
}


@pytest.fixture(scope="module")
def tools() -> Catalog:
    return catalog()


def violations(tools: Catalog, name: str, arguments: dict[str, object] | None) -> list[str]:
    with pytest.raises(InvalidArgument) as caught:
        tools.validate(name, arguments)
    assert caught.value.message == "; ".join(f"{f}: {d}" for f, d in caught.value.violations)
    return [f"{f}: {d}" for f, d in caught.value.violations]


def test_the_fourteen_tools_with_descriptions_and_closed_object_schemas(tools: Catalog) -> None:
    assert {t.name for t in tools.tools} == TOOLS
    for tool in tools.tools:
        assert len(tool.description) > 20
        assert tool.input_schema["type"] == "object"
        assert tool.input_schema["additionalProperties"] is False
        assert set(tool.input_schema["required"]) <= set(tool.input_schema["properties"])


def test_unknown_tool_is_not_found(tools: Catalog) -> None:
    with pytest.raises(NotFound, match="unknown tool 'drop_database'"):
        tools.validate("drop_database", {})


def test_missing_arguments_are_each_named(tools: Catalog) -> None:
    assert violations(tools, "get_records", None) == [
        "arguments.base_id: is required",
        "arguments.table: is required",
    ]


def test_unknown_argument_is_named(tools: Catalog) -> None:
    found = violations(tools, "list_tables", {"base_id": BASE, "base": BASE})
    assert found == ["arguments.base: is not a known argument"]


def test_wrong_types_and_ranges_name_the_path(tools: Catalog) -> None:
    found = violations(
        tools, "get_records", {"base_id": "not-a-base", "table": 7, "max_records": 0}
    )
    assert "arguments.table: 7 is not of type 'string'" in found
    assert "arguments.max_records: 0 is less than the minimum of 1" in found
    assert any(v.startswith("arguments.base_id: 'not-a-base' does not match") for v in found)


def test_nested_paths_inside_batches(tools: Catalog) -> None:
    records = [{"fields": {"Name": "a"}}, {"fields": "Name=b"}, {"field": {}}]
    found = violations(
        tools, "batch_create_records", {"base_id": BASE, "table": "T", "records": records}
    )
    assert found == [
        "arguments.records[1].fields: 'Name=b' is not of type 'object'",
        "arguments.records[2].fields: is required",
        "arguments.records[2].field: is not a known argument",
    ]


def test_a_batch_is_at_most_ten_records(tools: Catalog) -> None:
    records = [{"fields": {"Name": str(i)}} for i in range(11)]
    found = violations(
        tools, "batch_create_records", {"base_id": BASE, "table": "T", "records": records}
    )
    assert len(found) == 1 and found[0].startswith("arguments.records: ")
    assert "too long" in found[0]


def test_record_ids_are_checked(tools: Catalog) -> None:
    found = violations(
        tools, "update_record", {"base_id": BASE, "table": "T", "record_id": "1", "fields": {}}
    )
    assert len(found) == 1 and found[0].startswith("arguments.record_id: '1' does not match")


def test_defaults_are_filled_in(tools: Catalog) -> None:
    args = tools.validate("get_records", {"base_id": BASE, "table": "T"})
    assert args == {"base_id": BASE, "table": "T", "max_records": 100}
    args = tools.validate(
        "update_record", {"base_id": BASE, "table": "T", "record_id": RECORD, "fields": {"a": 1}}
    )
    assert args["typecast"] is False
    args = tools.validate("create_metadata_table", {"base_id": BASE})
    assert args["table_name"] == "Table Metadata"
