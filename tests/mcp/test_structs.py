"""services/runtime/structs.py gives what json_format.MessageToDict and Struct.update give
(whole numbers as int), on the shapes tools pass: records, nesting, empties, null, unicode."""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf import json_format, struct_pb2

from services.mcp.tables import plain
from services.runtime.structs import dict_of, fill_struct, python_of, struct_of

CASES: list[dict[str, Any]] = [
    {},
    {"Name": "Apollo", "Hours": 12, "Rate": 7.5, "Done": True, "Notes": None},
    {"big": 2**60, "neg": -3, "zero": 0.0, "tiny": 1e-300, "huge": 1e300, "text": "ünï ✓"},
    {"empty_list": [], "empty_dict": {}, "nested": {"a": [1, [2, {"b": None}], {}], "c": ""}},
    {"records": [{"id": "rec1", "fields": {"x": 1}}, {"id": "rec2", "fields": {}}]},
    {"tuple": (1, "two", False)},
]


@pytest.mark.parametrize("data", CASES)
def test_the_same_as_json_format(data: dict[str, Any]) -> None:
    expected = struct_pb2.Struct()
    expected.update(data)
    built = struct_of(data)
    assert built == expected
    assert built.SerializeToString(deterministic=True) == expected.SerializeToString(
        deterministic=True
    )
    assert dict_of(built) == plain(json_format.MessageToDict(expected))
    value = struct_pb2.Value()
    fill_struct(value.struct_value, data)
    assert python_of(value) == plain(json_format.MessageToDict(value))


def test_whole_numbers_come_back_as_int_and_others_as_float() -> None:
    back = dict_of(struct_of({"a": 3, "b": 3.0, "c": 2.5, "d": 2**53, "e": -0.0}))
    assert back == {"a": 3, "b": 3, "c": 2.5, "d": float(2**53), "e": 0}
    assert [type(back[k]) for k in "abcde"] == [int, int, float, float, int]


def test_what_json_cannot_hold_is_refused() -> None:
    for number in (float("inf"), float("nan")):
        with pytest.raises(ValueError, match="finite"):
            python_of(struct_pb2.Value(number_value=number))
    with pytest.raises(ValueError, match="cannot put a set"):
        struct_of({"s": {1, 2}})
