"""The checks every request passes before its servicer: unstorable strings and deep
nesting by field path, undecodable bytes by field path, and bounded error messages."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from tablemesh.airtable.v1 import airtable_service_pb2 as air_pb
from tablemesh.saga.v1 import saga_service_pb2 as saga_pb
from tablemesh.users.v1 import users_service_pb2 as users_pb

from services.runtime.errors import (
    MAX_MESSAGE_CHARS,
    InvalidArgument,
    Violations,
    invalid,
)
from services.runtime.request_checks import (
    DEFAULT_MAX_CHARS,
    MAX_CHARS,
    MAX_STRUCT_DEPTH,
    check_request,
    violations_of,
)
from services.runtime.undecodable import undecodable


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"a": value}
    return value


def records(*fields: dict[str, Any], request_id: str = "") -> air_pb.CreateRecordsRequest:
    request = air_pb.CreateRecordsRequest(base_id="app1", table_id="tbl1", request_id=request_id)
    for values in fields:
        request.records.add().fields.update(values)
    return request


def test_a_storable_request_passes() -> None:
    request = records({"Name": "Atlas", "Hours": 12.5, "Tags": ["a", "b"], "Meta": nested(5)})
    assert violations_of(request) == []
    check_request(request)


@pytest.mark.parametrize(
    ("request_", "path"),
    [
        (users_pb.ListUsersRequest(search="a\x00"), "search"),
        (records({"Name": "x"}, {"Name": "a\x00b"}), "records[1].fields.Name"),
        (records({"Tags": ["ok", "b\x00"]}), "records[0].fields.Tags[1]"),
        (records({"Na\x00me": 1}), "records[0].fields.Na\x00me"),
        (records({"Meta": {"inner": "\x00"}}), "records[0].fields.Meta.inner"),
        (air_pb.ListRecordsRequest(base_id="a", table_id="t", sort=["x", "y\x00"]), "sort[1]"),
    ],
)
def test_nul_anywhere_is_named_by_its_path(request_: Any, path: str) -> None:
    assert violations_of(request_) == [(path, "must not contain NUL (\\u0000) characters")]


def test_caps_come_from_one_table() -> None:
    long_id = "r" * (MAX_CHARS["request_id"] + 1)
    assert violations_of(records({"Name": "x"}, request_id=long_id)) == [
        ("request_id", "must be at most 200 characters")
    ]
    at_cap = records({"Notes": "n" * DEFAULT_MAX_CHARS}, request_id="r" * 200)
    assert violations_of(at_cap) == []
    over = records({"Notes": "n" * (DEFAULT_MAX_CHARS + 1)})
    assert violations_of(over) == [
        ("records[0].fields.Notes", f"must be at most {DEFAULT_MAX_CHARS} characters")
    ]
    saga = saga_pb.StartSagaRequest(type="x" * 200_000)
    assert violations_of(saga) == [("type", f"must be at most {DEFAULT_MAX_CHARS} characters")]


def test_struct_nesting_is_bounded() -> None:
    assert violations_of(records({"Meta": nested(MAX_STRUCT_DEPTH - 2)})) == []
    found = violations_of(records({"Meta": nested(MAX_STRUCT_DEPTH)}))
    assert len(found) == 1
    path, description = found[0]
    assert path.startswith("records[0].fields.Meta.a") and description == (
        f"is nested more than {MAX_STRUCT_DEPTH} levels deep"
    )
    listed: Any = []
    for _ in range(MAX_STRUCT_DEPTH + 1):
        listed = [listed]
    assert violations_of(records({"L": listed}))[0][0].startswith("records[0].fields.L[0][0]")


def test_check_request_raises_invalid_argument_with_every_violation() -> None:
    request = records({"Name": "a\x00"}, request_id="r" * 300)
    with pytest.raises(InvalidArgument) as err:
        check_request(request)
    assert [f for f, _ in err.value.violations] == ["records[0].fields.Name", "request_id"]


def test_undecodable_utf8_is_named_by_its_path() -> None:
    raw = users_pb.ListUsersRequest(search="x").SerializeToString().replace(b"x", b"\xff")
    assert undecodable(users_pb.ListUsersRequest.DESCRIPTOR, raw).message == (
        "search: is not valid UTF-8"
    )
    raw = records({"Tags": ["ok", "vXv"]}).SerializeToString().replace(b"vXv", b"v\xffv")
    error = undecodable(air_pb.CreateRecordsRequest.DESCRIPTOR, raw)
    assert error.violations == [("records[0].fields.Tags[1]", "is not valid UTF-8")]


def test_nesting_too_deep_to_decode_is_named_by_its_path() -> None:
    raw = records({"Name": nested(90)}).SerializeToString()
    with pytest.raises(Exception, match="MaxDepth"):
        air_pb.CreateRecordsRequest.FromString(raw)
    error = undecodable(air_pb.CreateRecordsRequest.DESCRIPTOR, raw)
    field, description = error.violations[0]
    assert field.startswith("records[0].fields.Name.a.a")
    assert description == f"is nested more than {MAX_STRUCT_DEPTH} levels deep"


def test_bytes_that_are_no_message_at_all() -> None:
    error = undecodable(users_pb.ListUsersRequest.DESCRIPTOR, b"\xff\xff\xff")
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.message == "the request is not a valid protobuf message"


def test_messages_that_echo_input_are_bounded() -> None:
    error = invalid("type", f"unknown saga type {'y' * 200_000!r}")
    status = error.to_status()
    assert len(status.message) <= MAX_MESSAGE_CHARS and "(truncated)" in status.message
    assert status.message.endswith("'")  # the end of the echoed value is kept
    bad = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad)
    assert all(len(v.description) <= 300 for v in bad.field_violations)
    violations = Violations()
    for n in range(500):
        violations.add(f"records[{n}].fields.Name", "x" * 10_000)
    with pytest.raises(InvalidArgument) as err:
        violations.raise_if_any()
    assert len(err.value.to_status().SerializeToString()) < 16_000
