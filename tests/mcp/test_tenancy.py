"""Another tenant's base answers NOT_FOUND through every path of the mcp service, and
nothing of it changes: each tool over gRPC, and CallTool as REST through Envoy. (MCP over
HTTP and stdio check the same in their own tests.)"""

from __future__ import annotations

import pytest

from tests.e2e.mesh import bearer
from tests.mcp.conftest import McpMesh, User

WRITES = [
    ("create_record", {"table": "Projects", "fields": {"Name": "pwned"}}),
    ("batch_create_records", {"table": "Projects", "records": [{"fields": {"Name": "pwned"}}]}),
    ("create_metadata_table", {}),
    ("sync_tables", {"source_table": "Projects", "target_table": "Projects", "key_field": "Name"}),
]
READS = [
    ("list_tables", {}),
    ("get_records", {"table": "Projects"}),
    ("search_records", {"table": "Projects", "query": "a"}),
    ("get_field_info", {"table": "Projects"}),
    ("analyze_table_data", {"table": "Projects"}),
    ("find_duplicates", {"table": "Projects", "fields": ["Name"]}),
    ("export_table_csv", {"table": "Projects"}),
]


@pytest.mark.parametrize(("tool", "arguments"), READS + WRITES)
def test_another_tenants_base_is_not_found(
    mcp_mesh: McpMesh, alice: User, mallory: User, tool: str, arguments: dict[str, object]
) -> None:
    before = mcp_mesh.records(mallory)
    is_error, data, text = mcp_mesh.call(alice, tool, base_id=mallory.base_id, **arguments)
    assert is_error, text
    assert data["error"]["code"] == "NOT_FOUND", text
    assert mallory.base_id in text
    assert mcp_mesh.records(mallory) == before


def test_another_tenants_base_through_rest(mcp_mesh: McpMesh, alice: User, mallory: User) -> None:
    reply = mcp_mesh.http.post(
        "/api/v1/mcp/tools/get_records:call",
        json={"arguments": {"base_id": mallory.base_id, "table": "Projects"}},
        headers=bearer(alice.token),
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["is_error"] is True and body["structured_content"]["error"]["code"] == "NOT_FOUND"
