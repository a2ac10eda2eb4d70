"""The base's structure as list_tables shows it: a select's choices come with its field."""

from __future__ import annotations

from services.mcp.tools.schema import summary


def test_a_table_summary_names_the_fields_types_and_select_choices() -> None:
    table = {
        "id": "tblAAAAAAAAAAAAAA",
        "name": "Projects",
        "description": "",
        "fields": [
            {"id": "fld1", "name": "Hours", "type": "number", "options": {"precision": 1}},
            {
                "id": "fld2",
                "name": "Status",
                "type": "singleSelect",
                "options": {"choices": [{"id": "sel1", "name": "Done"}, {"name": "Open"}]},
            },
            {"id": "fld3", "name": "Notes", "type": "multilineText", "options": {}},
        ],
    }
    assert summary(table)["fields"] == [
        {"name": "Hours", "type": "number"},
        {"name": "Status", "type": "singleSelect", "choices": ["Done", "Open"]},
        {"name": "Notes", "type": "multilineText"},
    ]
