"""Workspace roles govern bases, through Envoy as people meet them: a base belongs to a
workspace; its viewers read, members also write records, admins also change the schema,
owners also delete it; a base of another workspace does not exist for a non-member; and
a removed member loses the base at once through REST, gRPC, MCP and the assistant."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import psycopg
import pytest
from tablemesh.airtable.v1 import airtable_service_pb2 as air_pb
from tablemesh.airtable.v1 import airtable_service_pb2_grpc as air_grpc

from tests.e2e.mesh import Mesh, bearer
from tests.llm.fake_openai import FakeOpenAI, Reply

FIELDS = [{"name": "Name", "type": "singleLineText"}, {"name": "Hours", "type": "number"}]


@dataclass
class Team:
    admin: dict[str, str]
    design: str  # a workspace
    finance: str  # another workspace of the same tenant
    plans: str  # a base in design
    ledger: str  # a base in finance
    people: dict[str, dict[str, Any]]  # name -> the invited user's acceptance reply

    def auth(self, who: str) -> dict[str, str]:
        return bearer(self.people[who]["access_token"])

    def user_id(self, who: str) -> str:
        return str(self.people[who]["principal"]["user_id"])


def ok(reply: Any) -> Any:
    assert reply.status_code == 200, reply.text
    return reply.json()


def records_path(base: str) -> str:
    return f"/api/v1/bases/{base}/tables/Projects/records"


def new_base(mesh: Mesh, auth: dict[str, str], name: str, workspace: str) -> str:
    body = {
        "name": name,
        "workspace_id": workspace,
        "tables": [{"name": "Projects", "fields": FIELDS}],
    }
    base = ok(mesh.http.post("/api/v1/bases", json=body, headers=auth))["base"]["id"]
    rows = {"records": [{"fields": {"Name": "Apollo", "Hours": 12}}]}
    ok(mesh.http.post(records_path(base), json=rows, headers=auth))
    return str(base)


def add_member(mesh: Mesh, team: Team, workspace: str, who: str, role: str) -> None:
    body = {"user_id": team.user_id(who), "role": role}
    path = f"/api/v1/workspaces/{workspace}/members"
    ok(mesh.http.post(path, json=body, headers=team.admin))


def stored_names(mesh: Mesh, base: str) -> list[str]:
    with psycopg.connect(mesh.database_url) as conn:
        rows = conn.execute(
            "SELECT r.fields->>'Name' FROM airtable.records r JOIN airtable.tables t"
            " ON t.id = r.table_id WHERE t.base_id = %s ORDER BY 1",
            (base,),
        ).fetchall()
    return [r[0] for r in rows]


@pytest.fixture(scope="module")
def team(mesh: Mesh) -> Team:
    owner = mesh.register()
    admin = bearer(owner["access_token"])
    design = ok(mesh.http.post("/api/v1/workspaces", json={"name": "Design"}, headers=admin))
    finance = ok(mesh.http.post("/api/v1/workspaces", json={"name": "Finance"}, headers=admin))
    ids = design["workspace"]["id"], finance["workspace"]["id"]
    people = {name: mesh.invite(owner["access_token"]) for name in ("mia", "vic", "ada", "rex")}
    made = Team(admin, ids[0], ids[1], "", "", people)
    made.plans = new_base(mesh, admin, "Plans", made.design)
    made.ledger = new_base(mesh, admin, "Ledger", made.finance)
    for who, role in (("mia", "member"), ("vic", "viewer"), ("ada", "admin")):
        add_member(mesh, made, made.design, who, role)
    return made


def test_a_member_lists_only_the_bases_of_their_workspaces(mesh: Mesh, team: Team) -> None:
    seen = ok(mesh.http.get("/api/v1/bases", headers=team.auth("mia")))["bases"]
    assert [b["name"] for b in seen] == ["Plans"]
    everything = ok(mesh.http.get("/api/v1/bases", headers=team.admin))["bases"]
    assert {team.plans, team.ledger} <= {b["id"] for b in everything}
    assert ok(mesh.http.get("/api/v1/bases", headers=team.auth("rex"))).get("bases", []) == []


def test_another_workspaces_base_is_invisible(mesh: Mesh, team: Team) -> None:
    for path in (f"/api/v1/bases/{team.ledger}/tables", records_path(team.ledger)):
        reply = mesh.http.get(path, headers=team.auth("mia"))
        assert reply.status_code == 404, reply.text
        assert reply.json()["message"] == f"base {team.ledger} not found"
    write = {"records": [{"fields": {"Name": "sneaky"}}]}
    reply = mesh.http.post(records_path(team.ledger), json=write, headers=team.auth("mia"))
    assert reply.status_code == 404, reply.text
    assert stored_names(mesh, team.ledger) == ["Apollo"]


def test_a_viewer_reads_but_writing_is_refused_naming_the_role(mesh: Mesh, team: Team) -> None:
    listed = ok(mesh.http.get(records_path(team.plans), headers=team.auth("vic")))
    assert [r["fields"]["Name"] for r in listed["records"]] == ["Apollo"]
    write = {"records": [{"fields": {"Name": "Viewer's"}}]}
    reply = mesh.http.post(records_path(team.plans), json=write, headers=team.auth("vic"))
    assert reply.status_code == 403, reply.text
    assert reply.json()["message"] == (
        "your role in this base's workspace is viewer; to change records in a base you need "
        "member or above"
    )
    assert "Viewer's" not in stored_names(mesh, team.plans)


def test_a_member_writes_records_but_not_the_schema(mesh: Mesh, team: Team) -> None:
    write = {"records": [{"fields": {"Name": "Mia's"}}]}
    ok(mesh.http.post(records_path(team.plans), json=write, headers=team.auth("mia")))
    assert "Mia's" in stored_names(mesh, team.plans)
    table = {"name": "Secrets", "fields": FIELDS}
    path = f"/api/v1/bases/{team.plans}/tables"
    reply = mesh.http.post(path, json=table, headers=team.auth("mia"))
    assert reply.status_code == 403, reply.text
    assert "is member; to change the schema of a base you need admin" in reply.json()["message"]
    reply = mesh.http.delete(f"/api/v1/bases/{team.plans}", headers=team.auth("mia"))
    assert reply.status_code == 403, reply.text
    schema = ok(mesh.http.get(path, headers=team.admin))["tables"]
    assert [t["name"] for t in schema] == ["Projects"]


def test_new_bases_go_into_a_workspace_their_creator_administers(mesh: Mesh, team: Team) -> None:
    no_workspace = mesh.http.post("/api/v1/bases", json={"name": "Loose"}, headers=team.auth("mia"))
    assert no_workspace.status_code == 400, no_workspace.text
    assert no_workspace.json()["details"][0]["fieldViolations"][0]["field"] == "workspace_id"
    as_member = {"name": "Mine", "workspace_id": team.design}
    refused = mesh.http.post("/api/v1/bases", json=as_member, headers=team.auth("mia"))
    assert refused.status_code == 403, refused.text
    assert "you need admin or above" in refused.json()["message"]
    made = new_base(mesh, team.auth("ada"), "Roadmap", team.design)
    linked = ok(mesh.http.get(f"/api/v1/workspaces/{team.design}/bases", headers=team.admin))
    assert made in [b["base_id"] for b in linked["linked_bases"]]
    seen = ok(mesh.http.get("/api/v1/bases", headers=team.auth("mia")))["bases"]
    assert {b["name"] for b in seen} == {"Plans", "Roadmap"}
    names = [b["name"] for b in ok(mesh.http.get("/api/v1/bases", headers=team.admin))["bases"]]
    assert "Mine" not in names and "Loose" not in names


def test_a_workspace_admin_cannot_pull_in_a_base_they_do_not_administer(
    mesh: Mesh, team: Team
) -> None:
    own = ok(mesh.http.post("/api/v1/workspaces", json={"name": "Mine"}, headers=team.auth("mia")))
    path = f"/api/v1/workspaces/{own['workspace']['id']}/bases"
    for base in (team.ledger, team.plans):  # unseen; seen but only as a member
        reply = mesh.http.post(path, json={"base_id": base}, headers=team.auth("mia"))
        assert reply.status_code in (403, 404), reply.text
    moved = mesh.http.post(path, json={"base_id": team.plans}, headers=team.admin)
    assert moved.status_code == 400, moved.text
    assert moved.json()["message"] == (
        f"base {team.plans} belongs to workspace {team.design}; unlink it there first"
    )
    assert ok(mesh.http.get(path, headers=team.auth("mia"))).get("linked_bases", []) == []


def grpc_names(mesh: Mesh, team: Team, who: str) -> list[str]:
    with mesh.channel() as channel:
        stub = air_grpc.AirtableServiceStub(channel)
        request = air_pb.ListRecordsRequest(base_id=team.plans, table_id="Projects")
        token = team.people[who]["access_token"]
        reply = stub.ListRecords(request, metadata=[("authorization", f"Bearer {token}")])
    return [r.fields["Name"] for r in reply.records]


def mcp_call(mesh: Mesh, team: Team, who: str) -> dict[str, Any]:
    arguments = {"base_id": team.plans, "table": "Projects"}
    path = "/api/v1/mcp/tools/get_records:call"
    return ok(mesh.http.post(path, json={"arguments": arguments}, headers=team.auth(who)))  # type: ignore[no-any-return]


def chat_call(mesh: Mesh, team: Team, who: str, model: FakeOpenAI) -> dict[str, Any]:
    ask = {"base_id": team.plans, "table": "Projects"}
    model.then(Reply(tool_calls=[("get_records", ask)]), Reply(text="Done."))
    answer = ok(mesh.http.post("/api/v1/chat", json={"message": "Hours?"}, headers=team.auth(who)))
    (call,) = answer["tool_calls"]
    return call  # type: ignore[no-any-return]


@pytest.fixture
def model(openai_server: FakeOpenAI) -> Iterator[FakeOpenAI]:
    yield openai_server
    openai_server.reset()


def test_a_removed_member_loses_the_base_at_once_on_every_path(
    mesh: Mesh, team: Team, model: FakeOpenAI
) -> None:
    add_member(mesh, team, team.design, "rex", "member")
    assert "Apollo" in [
        r["fields"]["Name"]
        for r in ok(mesh.http.get(records_path(team.plans), headers=team.auth("rex")))["records"]
    ]
    assert "Apollo" in grpc_names(mesh, team, "rex")
    assert not mcp_call(mesh, team, "rex")["is_error"]
    call = chat_call(mesh, team, "rex", model)
    assert not call.get("is_error") and "Apollo" in call["result"], call

    path = f"/api/v1/workspaces/{team.design}/members/{team.user_id('rex')}"
    ok(mesh.http.delete(path, headers=team.admin))

    # No waiting: the next call is refused.
    reply = mesh.http.get(records_path(team.plans), headers=team.auth("rex"))
    assert reply.status_code == 404, reply.text
    with pytest.raises(grpc.RpcError) as refused:
        grpc_names(mesh, team, "rex")
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    answer = mcp_call(mesh, team, "rex")
    assert answer["is_error"] and answer["structured_content"]["error"]["code"] == "NOT_FOUND"
    call = chat_call(mesh, team, "rex", model)
    assert call.get("is_error") and "Apollo" not in call["result"], call
    assert "Apollo" not in json.dumps(model.requests[-1])


def test_a_deleted_workspace_takes_its_members_access_with_it(mesh: Mesh, team: Team) -> None:
    doomed = ok(mesh.http.post("/api/v1/workspaces", json={"name": "Temp"}, headers=team.admin))
    workspace = doomed["workspace"]["id"]
    base = new_base(mesh, team.admin, "Scratch", workspace)
    add_member(mesh, team, workspace, "vic", "member")
    ok(mesh.http.get(records_path(base), headers=team.auth("vic")))
    ok(mesh.http.delete(f"/api/v1/workspaces/{workspace}", headers=team.admin))
    assert mesh.http.get(records_path(base), headers=team.auth("vic")).status_code == 404
    assert ok(mesh.http.get(records_path(base), headers=team.admin))["records"]
