"""The shared mesh of real services (auth, airtable, mcp, ... and Envoy) booted through the
launcher (tests/conftest.py: e2e_mesh), and helpers to get users, bases and MCP clients
on it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from google.protobuf import json_format, struct_pb2
from tablemesh.mcp.v1 import mcp_service_pb2 as pb
from tablemesh.mcp.v1 import mcp_service_pb2_grpc as pb_grpc

from services.runtime import registry
from tests.e2e.mesh import Mesh, bearer

PROJECTS = {
    "name": "Projects",
    "fields": [
        {"name": "Name", "type": "singleLineText"},
        {"name": "Hours", "type": "number", "options": {"precision": 1}},
        {"name": "Status", "type": "singleLineText"},
    ],
}
ROWS = [
    {"Name": "Apollo", "Hours": 3, "Status": "Done"},
    {"Name": "Gemini", "Hours": 4.5, "Status": "Open"},
    {"Name": "apollo", "Hours": 1, "Status": "Done"},
]


@dataclass
class User:
    token: str
    email: str
    base_id: str = ""

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.token}"),)


class McpMesh(Mesh):
    """The launcher's mesh, plus the mcp service's own endpoints and users
    with a base of their own."""

    HTTP_TIMEOUT = 30.0

    @property
    def mcp_url(self) -> str:
        """The mcp service's own streamable HTTP endpoint."""
        return f"http://127.0.0.1:{registry.MCP_HTTP_PORT + self.offset}/mcp"

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.port('mcp')}"

    def user(self) -> User:
        """A newly registered person (a new tenant's admin), as a User."""
        account = self.register()
        return User(account["access_token"], account["email"])

    def with_base(self, user: User, rows: list[dict[str, Any]] = ROWS) -> User:
        """The user's new base with a Projects table holding `rows`."""
        reply = self.http.post(
            "/api/v1/bases",
            json={"name": "Work", "tables": [PROJECTS]},
            headers=bearer(user.token),
        )
        assert reply.status_code == 200, reply.text
        user.base_id = reply.json()["base"]["id"]
        if rows:
            self.call(
                user,
                "batch_create_records",
                table="Projects",
                records=[{"fields": r} for r in rows],
            )
        return user

    def api_key(self, user: User) -> str:
        reply = self.http.post(
            "/api/v1/auth/api-keys", json={"display_name": "desktop"}, headers=bearer(user.token)
        )
        assert reply.status_code == 200, reply.text
        return str(reply.json()["secret"])

    def call(self, user: User, tool: str, **arguments: Any) -> tuple[bool, Any, str]:
        """CallTool over gRPC as the user, on the user's base unless base_id is given."""
        arguments.setdefault("base_id", user.base_id)
        args = struct_pb2.Struct()
        args.update(arguments)
        with grpc.insecure_channel(self.grpc_target) as channel:
            reply = pb_grpc.McpServiceStub(channel).CallTool(
                pb.CallToolRequest(name=tool, arguments=args), metadata=user.metadata, timeout=30
            )
        data = json_format.MessageToDict(reply.structured_content)
        return reply.is_error, data, reply.text

    def records(self, user: User, table: str = "Projects") -> list[dict[str, Any]]:
        is_error, data, text = self.call(user, "get_records", table=table, max_records=1000)
        assert not is_error, text
        return list(data["records"])


@pytest.fixture(scope="session")
def mcp_mesh(e2e_mesh: Mesh) -> Iterator[McpMesh]:
    """The shared mesh, seen through McpMesh's helpers."""
    mesh = McpMesh(e2e_mesh.var_dir, e2e_mesh.env)
    try:
        yield mesh
    finally:
        mesh.http.close()


@pytest.fixture(scope="module")
def alice(mcp_mesh: McpMesh) -> User:
    """A user with a base whose Projects table holds ROWS."""
    return mcp_mesh.with_base(mcp_mesh.user())


@pytest.fixture(scope="module")
def mallory(mcp_mesh: McpMesh) -> User:
    """Another tenant, with a base of her own."""
    return mcp_mesh.with_base(mcp_mesh.user())


def text_of(result: Any) -> str:
    """The text content of an MCP CallToolResult."""
    return "".join(getattr(block, "text", "") for block in result.content)


def as_json(result: Any) -> Any:
    return json.loads(text_of(result))
