"""The tools' pure logic on plain records: statistics, duplicates, CSV, search, sync plans,
the metadata rows, and how values coming out of protobuf Structs are tidied."""

from __future__ import annotations

import csv
import io

from services.mcp.tables import plain
from services.mcp.tools.schema import metadata_rows
from services.mcp.tools.stats import (
    analyze,
    duplicates,
    field_names,
    group_totals,
    matches,
    to_csv,
)
from services.mcp.tools.sync import plan_sync


def rec(rid: str, **fields: object) -> dict[str, object]:
    return {"id": rid, "fields": fields}


RECORDS = [
    rec("rec1", Project="Apollo", Hours=3, Status="Done", Tags=["a", "b"]),
    rec("rec2", Project="Gemini", Hours=4.5, Status="Open", Tags=["b"]),
    rec("rec3", Project="apollo ", Hours=1, Notes=""),
    rec("rec4", Project="Mercury", Status="Done"),
]


def test_analyze_counts_blanks_numbers_and_top_values() -> None:
    stats = analyze(RECORDS, ["Project", "Hours", "Status", "Tags", "Notes"], top_n=2)
    assert stats["record_count"] == 4
    hours = stats["fields"]["Hours"]
    assert (hours["count"], hours["blanks"]) == (3, 1)
    assert hours["numeric"] == {"count": 3, "sum": 8.5, "mean": 8.5 / 3, "min": 1, "max": 4.5}
    status = stats["fields"]["Status"]
    assert status["top_values"] == [{"value": "Done", "count": 2}, {"value": "Open", "count": 1}]
    assert status["distinct"] == 2 and "numeric" not in status
    # Each choice of a multiple select counts on its own.
    assert stats["fields"]["Tags"]["top_values"][0] == {"value": "b", "count": 2}
    assert stats["fields"]["Notes"] == {"count": 0, "blanks": 4, "distinct": 0, "top_values": []}


def test_numbers_are_totalled_per_choice() -> None:
    assert group_totals(RECORDS, "Status", ["Project", "Hours", "Status"]) == {
        "Done": {"records": 2, "Hours": {"sum": 3, "mean": 3.0}},
        "Open": {"records": 1, "Hours": {"sum": 4.5, "mean": 4.5}},
        "(blank)": {"records": 1, "Hours": {"sum": 1, "mean": 1.0}},
    }


def test_analyze_ignores_booleans_as_numbers() -> None:
    stats = analyze([rec("r1", Done=True), rec("r2", Done=False)], ["Done"])
    assert "numeric" not in stats["fields"]["Done"]
    assert stats["fields"]["Done"]["count"] == 2


def test_field_names_follow_the_schema_then_what_records_have() -> None:
    assert field_names(RECORDS, ["Status", "Project"]) == [
        "Status",
        "Project",
        "Hours",
        "Tags",
        "Notes",
    ]


def test_duplicates_ignore_case_and_spacing_unless_asked() -> None:
    groups = duplicates(RECORDS, ["Project"])
    assert groups == [{"values": {"Project": "Apollo"}, "count": 2, "record_ids": ["rec1", "rec3"]}]
    assert duplicates(RECORDS, ["Project"], case_sensitive=True) == []


def test_duplicates_on_several_fields_skip_all_blank_keys() -> None:
    records = [
        rec("r1", A="x", B=1),
        rec("r2", A="X", B=1),
        rec("r3", A="x", B=2),
        rec("r4"),
        rec("r5"),
    ]
    groups = duplicates(records, ["A", "B"])
    assert [g["record_ids"] for g in groups] == [["r1", "r2"]]


def test_csv_has_a_header_quotes_and_flattens_values() -> None:
    records = [
        rec("rec1", Name='Say "hi", then', Tags=["a", "b"], Done=True, Hours=2.5),
        rec("rec2", Name="line\nbreak", Meta={"k": 1}),
    ]
    text = to_csv(records, ["Name", "Tags", "Done", "Hours", "Meta"])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["id", "Name", "Tags", "Done", "Hours", "Meta"],
        ["rec1", 'Say "hi", then', "a, b", "true", "2.5", ""],
        ["rec2", "line\nbreak", "", "", "", '{"k": 1}'],
    ]
    assert to_csv(records[:1], ["Hours"], include_id=False) == "Hours\n2.5\n"


def test_search_matches_any_or_given_fields_ignoring_case() -> None:
    assert matches(RECORDS[0], "APOL")
    assert matches(RECORDS[0], "b", ["Tags"])
    assert not matches(RECORDS[0], "apol", ["Status"])
    assert matches(rec("r", Name='it\'s "quoted"'), "'s \"quo")


def test_sync_plan_creates_updates_and_leaves_alone() -> None:
    source = [
        rec("s1", Key="A", Hours=1, Extra="x"),
        rec("s2", Key="B ", Hours=2),
        rec("s3", Key="C", Hours=3),
        rec("s4", Hours=4),
        rec("s5", Key="A", Hours=9),
    ]
    target = [rec("t1", Key="A", Hours=1), rec("t2", Key="B", Hours=5), rec("t9", Key="Z")]
    plan = plan_sync(source, target, "Key", ["Hours"])
    assert plan.creates == [{"Key": "C", "Hours": 3}]
    assert plan.updates == [{"id": "t2", "fields": {"Hours": 2}}]
    assert (plan.unchanged, plan.skipped_blank_key, plan.skipped_duplicate_key) == (1, 1, 1)


def test_metadata_rows_describe_every_field() -> None:
    schema = [
        {
            "id": "tbl1",
            "name": "Projects",
            "description": "",
            "primary_field_id": "fld1",
            "fields": [
                {"id": "fld1", "name": "Name", "type": "singleLineText", "description": ""},
                {"id": "fld2", "name": "Hours", "type": "number", "description": "worked"},
            ],
        }
    ]
    rows = metadata_rows(schema)
    assert rows[0]["Name"] == "Projects.Name" and rows[0]["Primary"] is True
    assert "Description" not in rows[0]
    assert rows[1] == {
        "Name": "Projects.Hours",
        "Table": "Projects",
        "Table ID": "tbl1",
        "Field": "Hours",
        "Field ID": "fld2",
        "Type": "number",
        "Primary": False,
        "Description": "worked",
    }


def test_struct_numbers_become_ints_when_whole() -> None:
    assert plain({"a": 3.0, "b": [1.5, 2.0], "c": {"d": -0.0}, "e": True}) == {
        "a": 3,
        "b": [1.5, 2],
        "c": {"d": 0},
        "e": True,
    }
