"""Every tool through gRPC CallTool on the real airtable service, and the REST face through
Envoy; bad input with its exact code and nothing changed; another tenant's base refused."""

from __future__ import annotations

import csv
import io

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from tablemesh.mcp.v1 import mcp_service_pb2 as pb
from tablemesh.mcp.v1 import mcp_service_pb2_grpc as pb_grpc

from tests.e2e.mesh import bearer
from tests.mcp.conftest import McpMesh, User


def test_list_tools_over_grpc_and_rest(mcp_mesh: McpMesh, alice: User) -> None:
    with grpc.insecure_channel(mcp_mesh.grpc_target) as channel:
        reply = pb_grpc.McpServiceStub(channel).ListTools(
            pb.ListToolsRequest(), metadata=alice.metadata
        )
    assert len(reply.tools) == 14
    rest = mcp_mesh.http.get("/api/v1/mcp/tools", headers=bearer(alice.token))
    assert rest.status_code == 200, rest.text
    tools = {t["name"]: t for t in rest.json()["tools"]}
    assert tools["get_records"]["input_schema"]["required"] == ["base_id", "table"]


def test_tools_need_a_token(mcp_mesh: McpMesh) -> None:
    with grpc.insecure_channel(mcp_mesh.grpc_target) as channel, pytest.raises(grpc.RpcError) as e:
        pb_grpc.McpServiceStub(channel).ListTools(pb.ListToolsRequest())
    assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert mcp_mesh.http.get("/api/v1/mcp/tools").status_code == 401


def test_read_tools(mcp_mesh: McpMesh, alice: User) -> None:
    is_error, data, _ = mcp_mesh.call(alice, "list_tables")
    assert not is_error and [t["name"] for t in data["tables"]] == ["Projects"]
    _, data, _ = mcp_mesh.call(
        alice, "get_records", table="Projects", filter_by_formula="{Hours} > 2"
    )
    assert sorted(r["fields"]["Name"] for r in data["records"]) == ["Apollo", "Gemini"]
    _, data, _ = mcp_mesh.call(alice, "search_records", table="Projects", query="APOLLO")
    assert data["count"] == 2
    _, data, _ = mcp_mesh.call(alice, "get_field_info", table="Projects", field="Hours")
    assert data["fields"][0]["type"] == "number" and data["fields"][0]["primary"] is False


def test_analysis_tools(mcp_mesh: McpMesh, alice: User) -> None:
    _, data, _ = mcp_mesh.call(
        alice, "analyze_table_data", table="Projects", filter_by_formula="{Status} = 'Done'"
    )
    assert data["record_count"] == 2
    assert data["fields"]["Hours"]["numeric"]["sum"] == 4
    _, data, _ = mcp_mesh.call(alice, "analyze_table_data", table="Projects", group_by="Status")
    assert data["groups"]["Status"]["Open"] == {"records": 1, "Hours": {"sum": 4.5, "mean": 4.5}}
    is_error, _, text = mcp_mesh.call(alice, "analyze_table_data", table="Projects", group_by="X")
    assert is_error and "field 'X' not found" in text
    _, data, _ = mcp_mesh.call(alice, "find_duplicates", table="Projects", fields=["Name"])
    assert data["group_count"] == 1 and data["groups"][0]["count"] == 2
    is_error, data, text = mcp_mesh.call(
        alice, "export_table_csv", table="Projects", fields=["Name"]
    )
    assert not is_error and text == data["csv"]
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["id", "Name"] and sorted(r[1] for r in rows[1:]) == [
        "Apollo",
        "Gemini",
        "apollo",
    ]


def test_write_tools(mcp_mesh: McpMesh) -> None:
    user = mcp_mesh.with_base(mcp_mesh.user(), rows=[])
    _, data, _ = mcp_mesh.call(
        user, "create_record", table="Projects", fields={"Name": "X", "Hours": 1}
    )
    rid = data["record"]["id"]
    _, data, _ = mcp_mesh.call(
        user, "update_record", table="Projects", record_id=rid, fields={"Hours": 2}
    )
    assert data["record"]["fields"] == {"Name": "X", "Hours": 2}
    rows = [{"fields": {"Name": f"N{i}", "Hours": i}} for i in range(3)]
    _, data, _ = mcp_mesh.call(user, "batch_create_records", table="Projects", records=rows)
    ids = [r["id"] for r in data["records"]]
    changes = [{"id": i, "fields": {"Status": "Done"}} for i in ids]
    _, data, _ = mcp_mesh.call(user, "batch_update_records", table="Projects", records=changes)
    assert {r["fields"]["Status"] for r in data["records"]} == {"Done"}
    _, data, _ = mcp_mesh.call(user, "delete_record", table="Projects", record_id=rid)
    assert data["deleted"] == [rid]
    assert sorted(r["fields"]["Name"] for r in mcp_mesh.records(user)) == ["N0", "N1", "N2"]


def test_create_metadata_table(mcp_mesh: McpMesh) -> None:
    user = mcp_mesh.with_base(mcp_mesh.user(), rows=[])
    is_error, data, text = mcp_mesh.call(user, "create_metadata_table")
    assert not is_error, text
    assert data["records_created"] == 3
    rows = mcp_mesh.records(user, "Table Metadata")
    assert sorted(r["fields"]["Name"] for r in rows) == [
        "Projects.Hours",
        "Projects.Name",
        "Projects.Status",
    ]
    is_error, data, _ = mcp_mesh.call(user, "create_metadata_table")
    assert is_error and data["error"]["code"] == "ALREADY_EXISTS"


def test_sync_tables(mcp_mesh: McpMesh, alice: User) -> None:
    user = mcp_mesh.with_base(mcp_mesh.user())
    target = {
        "name": "Archive",
        "fields": [{"name": "Name", "type": "singleLineText"}, {"name": "Hours", "type": "number"}],
    }
    created = mcp_mesh.http.post(
        f"/api/v1/bases/{user.base_id}/tables", json=target, headers=bearer(user.token)
    )
    assert created.status_code == 200, created.text
    mcp_mesh.call(user, "create_record", table="Archive", fields={"Name": "Gemini", "Hours": 1})
    args = {"source_table": "Projects", "target_table": "Archive", "key_field": "Name"}
    _, plan, _ = mcp_mesh.call(user, "sync_tables", dry_run=True, **args)
    assert (plan["created"], plan["updated"], plan["fields_not_in_target"]) == (2, 1, ["Status"])
    assert len(mcp_mesh.records(user, "Archive")) == 1
    _, done, _ = mcp_mesh.call(user, "sync_tables", **args)
    assert (done["created"], done["updated"]) == (2, 1)
    archive = {r["fields"]["Name"]: r["fields"]["Hours"] for r in mcp_mesh.records(user, "Archive")}
    assert archive == {"Apollo": 3, "Gemini": 4.5, "apollo": 1}
    _, again, _ = mcp_mesh.call(user, "sync_tables", **args)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)


def call_error(mcp_mesh: McpMesh, user: User, name: str, **arguments: object) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        mcp_mesh.call(user, name, **arguments)
    return caught.value


def test_unknown_tool_is_not_found(mcp_mesh: McpMesh, alice: User) -> None:
    error = call_error(mcp_mesh, alice, "drop_tables")
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details() == "unknown tool 'drop_tables'"
    rest = mcp_mesh.http.post(
        "/api/v1/mcp/tools/drop_tables:call", json={}, headers=bearer(alice.token)
    )
    assert rest.status_code == 404 and "unknown tool 'drop_tables'" in rest.json()["message"]


def test_bad_arguments_are_invalid_and_change_nothing(mcp_mesh: McpMesh, alice: User) -> None:
    before = mcp_mesh.records(alice)
    records = [{"fields": {"Name": str(i)}} for i in range(11)]
    error = call_error(mcp_mesh, alice, "batch_create_records", table="Projects", records=records)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (error.details() or "").startswith("arguments.records: ")
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None
    bad = error_details_pb2.BadRequest()
    assert any(d.Unpack(bad) for d in status.details)
    assert [v.field for v in bad.field_violations] == ["arguments.records"]
    error = call_error(mcp_mesh, alice, "create_record", table="Projects", fields="Name=X", typo=1)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    details = error.details() or ""
    assert "arguments.fields: 'Name=X' is not of type 'object'" in details
    assert "arguments.typo: is not a known argument" in details
    rest = mcp_mesh.http.post(
        "/api/v1/mcp/tools/get_records:call",
        json={"arguments": {"table": "Projects"}},
        headers=bearer(alice.token),
    )
    assert rest.status_code == 400 and "arguments.base_id: is required" in rest.json()["message"]
    assert mcp_mesh.records(alice) == before


def test_a_failing_downstream_call_is_a_tool_error(mcp_mesh: McpMesh, alice: User) -> None:
    is_error, data, text = mcp_mesh.call(
        alice, "get_records", table="Projects", filter_by_formula="{Nope} > 1"
    )
    assert is_error and data["error"]["code"] == "INVALID_ARGUMENT" and "Nope" in text
    is_error, data, text = mcp_mesh.call(alice, "get_records", table="Missing")
    assert is_error and data["error"]["code"] == "NOT_FOUND"
