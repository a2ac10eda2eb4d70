"""Workflows through Envoy's REST API, as a team would automate its tables: a record event
starts a workflow that writes a record and notifies its creator; a manual workflow stops at
a false condition; a failed execution is retried; bad definitions are refused whole."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.e2e.mesh import Mesh, bearer

LEADS = [{"name": "Name", "type": "singleLineText"}, {"name": "Score", "type": "number"}]
LOG = [{"name": "Name", "type": "singleLineText"}, {"name": "Source", "type": "singleLineText"}]


@pytest.fixture(scope="module")
def team(mesh: Mesh) -> dict[str, Any]:
    account = mesh.register()
    headers = bearer(account["access_token"])
    made = mesh.http.post(
        "/api/v1/bases",
        headers=headers,
        json={
            "name": "Sales",
            "tables": [{"name": "Leads", "fields": LEADS}, {"name": "Log", "fields": LOG}],
        },
    )
    assert made.status_code == 200, made.text
    leads, log = made.json()["tables"]
    return {
        "headers": headers,
        "user_id": account["principal"]["user_id"],
        "token": account["access_token"],
        "base": made.json()["base"]["id"],
        "leads": leads["id"],
        "log": log["id"],
    }


def create(mesh: Mesh, headers: dict[str, str], workflow: dict[str, Any]) -> Any:
    return mesh.http.post("/api/v1/workflows", headers=headers, json=workflow)


def finished_executions(
    mesh: Mesh, headers: dict[str, str], workflow_id: str, count: int
) -> list[dict[str, Any]]:
    """The workflow's executions once `count` of them have ended (they run in the
    background), newest first."""
    done: list[dict[str, Any]] = []
    for _ in range(160):
        listed = mesh.http.get(f"/api/v1/workflows/{workflow_id}/executions", headers=headers)
        assert listed.status_code == 200, listed.text
        runs = listed.json().get("executions", [])
        done = [e for e in runs if e["status"].endswith(("SUCCEEDED", "FAILED", "SKIPPED"))]
        if len(done) >= count:
            return runs
        time.sleep(0.25)
    raise AssertionError(f"{count} executions did not end within 40 s: {done}")


def records(mesh: Mesh, team: dict[str, Any], table: str) -> list[dict[str, Any]]:
    listed = mesh.http.get(
        f"/api/v1/bases/{team['base']}/tables/{table}/records", headers=team["headers"]
    )
    assert listed.status_code == 200, listed.text
    return list(listed.json().get("records", []))


def test_a_new_hot_lead_is_logged_and_its_owner_notified(mesh: Mesh, team: dict[str, Any]) -> None:
    headers = team["headers"]
    workflow = {
        "name": "Hot leads",
        "enabled": True,
        "trigger": {
            "record": {
                "base_id": team["base"],
                "table_id": team["leads"],
                "changes": ["RECORD_CHANGE_CREATED"],
                "formula": "{Score} > 5",
            }
        },
        "steps": [
            {"name": "say", "type": "log", "config": {"message": "lead {{trigger.fields.Name}}"}},
            {
                "name": "log it",
                "type": "create_records",
                "config": {
                    "base_id": team["base"],
                    "table_id": team["log"],
                    "records": [{"Name": "{{trigger.fields.Name}}", "Source": "workflow"}],
                },
            },
            {
                "name": "tell me",
                "type": "notify",
                "config": {
                    "title": "Hot lead",
                    "body": "{{trigger.fields.Name}} scored {{trigger.fields.Score}}",
                },
            },
        ],
    }
    made = create(mesh, headers, workflow)
    assert made.status_code == 200, made.text
    wf = made.json()["workflow"]
    assert wf["creator_user_id"] == team["user_id"] and wf["enabled"] is True
    written = mesh.http.post(
        f"/api/v1/bases/{team['base']}/tables/{team['leads']}/records",
        headers=headers,
        json={
            "records": [
                {"fields": {"Name": "Acme", "Score": 9}},
                {"fields": {"Name": "Tiny", "Score": 2}},
            ]
        },
    )
    assert written.status_code == 200, written.text
    [run] = finished_executions(mesh, headers, wf["id"], 1)
    assert run["status"] == "EXECUTION_STATUS_SUCCEEDED", run
    assert run["trigger_type"] == "record" and run["trigger_data"]["fields"]["Name"] == "Acme"
    assert [s["status"] for s in run["steps"]] == ["succeeded"] * 3
    assert run["steps"][0]["logs"] == ["lead Acme"]
    assert [r["fields"] for r in records(mesh, team, team["log"])] == [
        {"Name": "Acme", "Source": "workflow"}
    ]
    notes = mesh.http.get("/api/v1/notifications", headers=headers).json()["notifications"]
    assert any(n["subject"] == "Hot lead" and n["body"] == "Acme scored 9" for n in notes), notes
    # The workflow wrote to another table: nothing started it again.
    assert len(finished_executions(mesh, headers, wf["id"], 1)) == 1


def test_a_false_condition_ends_the_run_and_a_failure_can_be_retried(
    mesh: Mesh, team: dict[str, Any]
) -> None:
    headers = team["headers"]
    workflow = {
        "name": "Big orders",
        "enabled": True,
        "trigger": {"manual": {}},
        "steps": [
            {"name": "big?", "type": "condition", "config": {"formula": "{Amount} > 100"}},
            {
                "name": "touch",
                "type": "update_records",
                "max_attempts": 2,
                "config": {
                    "base_id": team["base"],
                    "table_id": team["log"],
                    "records": [{"id": "{{trigger.record}}", "fields": {"Source": "big"}}],
                },
            },
        ],
    }
    wf = create(mesh, headers, workflow).json()["workflow"]
    url = f"/api/v1/workflows/{wf['id']}"
    small = mesh.http.post(f"{url}:trigger", headers=headers, json={"input": {"Amount": 50}})
    assert small.status_code == 200, small.text
    [run] = finished_executions(mesh, headers, wf["id"], 1)
    assert run["status"] == "EXECUTION_STATUS_SUCCEEDED"
    assert [s["status"] for s in run["steps"]] == ["succeeded", "skipped"]
    assert run["steps"][0]["output"] == {"result": False}
    missing = "rec" + "0" * 14
    big = mesh.http.post(
        f"{url}:trigger", headers=headers, json={"input": {"Amount": 500, "record": missing}}
    )
    failed = finished_executions(mesh, headers, wf["id"], 2)[0]
    assert failed["id"] == big.json()["execution"]["id"]
    assert failed["status"] == "EXECUTION_STATUS_FAILED", failed
    assert "not found" in failed["error"] and failed["steps"][1]["attempts"] == 1
    ok = mesh.http.post(
        f"{url}/executions/{run['id']}:retry", headers=headers, json={"from_start": False}
    )
    assert ok.status_code == 400 and "only a failed execution" in ok.json()["message"], ok.text
    retried = mesh.http.post(f"{url}/executions/{failed['id']}:retry", headers=headers, json={})
    assert retried.status_code == 200, retried.text
    # From the failed step: the condition keeps its result; the record is still missing.
    again = finished_executions(mesh, headers, wf["id"], 2)[0]
    assert again["id"] == failed["id"] and again["status"] == "EXECUTION_STATUS_FAILED"
    assert again["steps"][0]["status"] == "succeeded"
    assert again["steps"][0]["attempts"] == 1 and again["steps"][1]["attempts"] == 1


def test_bad_definitions_are_refused_whole(mesh: Mesh, team: dict[str, Any]) -> None:
    headers = team["headers"]
    stranger = mesh.register()
    foreign = mesh.http.post(
        "/api/v1/bases", headers=bearer(stranger["access_token"]), json={"name": "Theirs"}
    ).json()
    before = mesh.http.get("/api/v1/workflows", headers=headers).json().get("workflows", [])
    log = {"name": "l", "type": "log", "config": {"message": "hi"}}
    writes = {
        "base_id": team["base"],
        "table_id": team["leads"],
        "records": [{"Name": "again"}],
    }
    manual: dict[str, Any] = {"manual": {}}
    record = {"base_id": team["base"], "table_id": team["leads"]}
    theirs = {**writes, "base_id": foreign["base"]["id"]}
    cases = [
        (manual, [{"name": "x", "type": "teleport"}],
         "workflow.steps[0].type", "unknown step type"),
        ({"schedule": {"cron": "61 * * * *"}}, [log],
         "workflow.trigger.schedule.cron", "not a valid cron"),
        ({"schedule": {"cron": "0 9 * * *", "time_zone": "Mars/Olympus"}}, [log],
         "workflow.trigger.schedule.time_zone", "unknown time zone"),
        (manual, [{"name": "c", "type": "condition", "config": {"formula": "{A} >"}}],
         "workflow.steps[0].config.formula", ""),
        (manual, [{"name": "w", "type": "create_records", "config": theirs}],
         "workflow.steps[0].config", "not found"),
        ({"record": {**record, "changes": ["RECORD_CHANGE_CREATED"]}},
         [{"name": "w", "type": "create_records", "config": writes}],
         "workflow.steps", "trigger itself"),
        ({"record": {**record, "changes": ["RECORD_CHANGE_MATCHED"], "formula": "{Nope} = 1"}},
         [log], "workflow.trigger.record.formula", "Nope"),
        ({}, [], "workflow.trigger", "must set one of"),
    ]  # fmt: skip
    for trigger, steps, field, words in cases:
        refused = create(mesh, headers, {"name": "bad", "trigger": trigger, "steps": steps})
        assert refused.status_code == 400, (field, refused.text)
        violations = refused.json()["details"][0]["field_violations"]
        assert any(v["field"] == field and words in v["description"] for v in violations), (
            field,
            violations,
        )
    after = mesh.http.get("/api/v1/workflows", headers=headers).json().get("workflows", [])
    assert len(after) == len(before)


def test_workflows_stay_in_their_tenant_and_viewers_cannot_make_them(
    mesh: Mesh, team: dict[str, Any]
) -> None:
    headers = team["headers"]
    body = {"name": "mine", "enabled": True, "trigger": {"manual": {}},
            "steps": [{"name": "l", "type": "log", "config": {"message": "hi"}}]}  # fmt: skip
    wf = create(mesh, headers, body).json()["workflow"]
    stranger = bearer(mesh.register()["access_token"])
    for method, path in (
        ("GET", f"/api/v1/workflows/{wf['id']}"),
        ("POST", f"/api/v1/workflows/{wf['id']}:trigger"),
        ("GET", f"/api/v1/workflows/{wf['id']}/executions"),
        ("DELETE", f"/api/v1/workflows/{wf['id']}"),
    ):
        answer = mesh.http.request(
            method, path, headers=stranger, json={} if method == "POST" else None
        )
        assert answer.status_code == 404, (method, path, answer.text)
    viewer = mesh.invite(team["token"], role="viewer")
    refused = create(mesh, bearer(viewer["access_token"]), body)
    assert refused.status_code == 403, refused.text
    paused = mesh.http.patch(
        f"/api/v1/workflows/{wf['id']}",
        headers=headers,
        params={"update_mask": "enabled"},
        json={"enabled": False},
    )
    assert paused.status_code == 200 and paused.json()["workflow"]["enabled"] is False
    refused = mesh.http.post(f"/api/v1/workflows/{wf['id']}:trigger", headers=headers, json={})
    assert refused.status_code == 400 and "paused" in refused.json()["message"], refused.text
    assert mesh.http.delete(f"/api/v1/workflows/{wf['id']}", headers=headers).status_code == 200
    gone = mesh.http.get(f"/api/v1/workflows/{wf['id']}", headers=headers)
    assert gone.status_code == 404


def test_a_workflow_acts_with_its_creators_permissions_as_they_are_now(
    mesh: Mesh, team: dict[str, Any]
) -> None:
    member = mesh.invite(team["token"], role="member")
    mine = bearer(member["access_token"])
    user_id = member["principal"]["user_id"]
    workspace = mesh.share(team["token"], team["base"], user_id, "member")
    body = {
        "name": "member's import",
        "enabled": True,
        "trigger": {"manual": {}},
        "steps": [
            {
                "name": "write",
                "type": "create_records",
                "max_attempts": 1,
                "config": {
                    "base_id": team["base"],
                    "table_id": team["log"],
                    "records": [{"Name": "{{trigger.name}}", "Source": "member"}],
                },
            }
        ],
    }
    made = create(mesh, mine, body)
    assert made.status_code == 200, made.text
    url = f"/api/v1/workflows/{made.json()['workflow']['id']}"
    ran = mesh.http.post(f"{url}:trigger", headers=mine, json={"input": {"name": "first"}})
    assert ran.status_code == 200, ran.text
    [first] = finished_executions(mesh, mine, made.json()["workflow"]["id"], 1)
    assert first["status"] == "EXECUTION_STATUS_SUCCEEDED", first
    # Out of the base's workspace: the base is gone for the creator's runs.
    path = f"/api/v1/workspaces/{workspace}/members/{user_id}"
    assert mesh.http.delete(path, headers=team["headers"]).status_code == 200
    out = mesh.http.post(f"{url}:trigger", headers=mine, json={"input": {"name": "out"}})
    assert out.status_code == 200, out.text
    latest = finished_executions(mesh, mine, made.json()["workflow"]["id"], 2)[0]
    assert latest["status"] == "EXECUTION_STATUS_FAILED", latest
    assert f"base {team['base']} not found" in latest["error"], latest["error"]
    demoted = mesh.http.patch(
        f"/api/v1/users/{member['principal']['user_id']}",
        json={"role": "viewer"},
        params={"update_mask": "role"},
        headers=team["headers"],
    )
    assert demoted.status_code == 200, demoted.text
    # An admin runs it: it still acts as its creator, who may no longer write.
    again = mesh.http.post(f"{url}:trigger", headers=team["headers"], json={"input": {"name": "x"}})
    assert again.status_code == 200, again.text
    latest = finished_executions(mesh, team["headers"], made.json()["workflow"]["id"], 3)[0]
    assert latest["status"] == "EXECUTION_STATUS_FAILED", latest
    assert "viewers cannot change" in latest["error"], latest["error"]
    names = [r["fields"]["Name"] for r in records(mesh, team, team["log"])]
    assert "first" in names and "x" not in names and "out" not in names
