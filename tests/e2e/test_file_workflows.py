"""The chain a team builds from files: a CSV uploaded with curl starts a workflow that
imports its rows (10 per write), and each new record starts a second workflow that
notifies the owner; a CSV imported into a new table gets fields typed from its values;
the executions show every step."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.e2e.mesh import Mesh, bearer
from tests.e2e.test_workflows import create, finished_executions, records

ROWS = [("Name", "Score")] + [(f"Lead {i}", str(i * 10)) for i in range(1, 12)]
CSV = "\n".join(",".join(r) for r in ROWS).encode() + b"\n"


@pytest.fixture(scope="module")
def office(mesh: Mesh) -> dict[str, Any]:
    account = mesh.register()
    headers = bearer(account["access_token"])
    fields = [{"name": "Name", "type": "singleLineText"}, {"name": "Score", "type": "number"}]
    made = mesh.http.post(
        "/api/v1/bases",
        headers=headers,
        json={"name": "Office", "tables": [{"name": "Leads", "fields": fields}]},
    )
    assert made.status_code == 200, made.text
    return {
        "headers": headers,
        "base": made.json()["base"]["id"],
        "leads": made.json()["tables"][0]["id"],
    }


def on_upload(name: str, extensions: list[str], steps: list[dict[str, Any]]) -> dict[str, Any]:
    trigger = {"file_uploaded": {"extensions": extensions}}
    return {"name": name, "enabled": True, "trigger": trigger, "steps": steps}


def test_an_uploaded_csv_is_imported_and_each_new_record_notifies(
    mesh: Mesh, office: dict[str, Any]
) -> None:
    headers, base, leads = office["headers"], office["base"], office["leads"]
    importer = create(
        mesh,
        headers,
        on_upload(
            "Import leads",
            ["csv"],
            [
                {
                    "name": "read",
                    "type": "process_file",
                    "config": {"file_id": "{{trigger.file_id}}"},
                },
                {
                    "name": "import",
                    "type": "import_rows",
                    "config": {
                        "file_id": "{{trigger.file_id}}",
                        "base_id": base,
                        "table_id": leads,
                    },
                },
            ],  # fmt: skip
        ),
    )
    assert importer.status_code == 200, importer.text
    notifier = create(
        mesh,
        headers,
        {
            "name": "New lead",
            "enabled": True,
            "trigger": {
                "record": {"base_id": base, "table_id": leads, "changes": ["RECORD_CHANGE_CREATED"]}
            },  # fmt: skip
            "steps": [
                {
                    "name": "tell",
                    "type": "notify",
                    "config": {"title": "New lead", "body": "{{trigger.fields.Name}}"},
                }
            ],  # fmt: skip
        },
    )
    assert notifier.status_code == 200, notifier.text
    sent = mesh.http.post(
        "/api/v1/files", params={"name": "leads.csv"}, content=CSV, headers=headers
    )
    assert sent.status_code == 200, sent.text
    [run] = finished_executions(mesh, headers, importer.json()["workflow"]["id"], 1)
    assert run["status"] == "EXECUTION_STATUS_SUCCEEDED", run
    assert run["trigger_data"]["name"] == "leads.csv"
    read, imported = run["steps"]
    assert read["output"]["tables"][0]["columns"] == ["Name", "Score"]
    assert imported["output"]["imported"] == 11
    stored = records(mesh, {**office, "base": base}, leads)
    assert sorted((r["fields"]["Name"], r["fields"]["Score"]) for r in stored) == sorted(
        (name, int(score)) for name, score in ROWS[1:]
    )
    notes = finished_executions(mesh, headers, notifier.json()["workflow"]["id"], 11)
    assert len(notes) == 11 and {n["status"] for n in notes} == {"EXECUTION_STATUS_SUCCEEDED"}
    inbox = mesh.http.get("/api/v1/notifications", headers=headers, params={"page_size": 50})
    titles = [n["body"] for n in inbox.json()["notifications"] if n["subject"] == "New lead"]
    assert sorted(titles) == sorted(name for name, _ in ROWS[1:])


def test_a_csv_makes_a_new_table_with_typed_fields(mesh: Mesh, office: dict[str, Any]) -> None:
    headers, base = office["headers"], office["base"]
    importing = {"file_id": "{{trigger.file_id}}", "base_id": base, "new_table": "Prices"}
    made = create(
        mesh,
        headers,
        on_upload(
            "Import prices",
            ["csv"],
            [{"name": "import", "type": "import_rows", "config": importing}],
        ),  # fmt: skip
    )
    assert made.status_code == 200, made.text
    # Only .txt uploads start this one: the same event handled (in one transaction with
    # the one above) starts nothing here.
    other = create(
        mesh,
        headers,
        on_upload(
            "Texts only", ["txt"], [{"name": "l", "type": "log", "config": {"message": "x"}}]
        ),  # fmt: skip
    )
    assert other.status_code == 200, other.text
    csv = b"Item,Price,Note\nTea,2.5,green\nCake,4,\n"
    sent = mesh.http.post(
        "/api/v1/files", params={"name": "prices.csv"}, content=csv, headers=headers
    )
    assert sent.status_code == 200, sent.text
    [run] = finished_executions(mesh, headers, made.json()["workflow"]["id"], 1)
    assert run["status"] == "EXECUTION_STATUS_SUCCEEDED", run
    assert run["trigger_data"]["name"] == "prices.csv"
    none = mesh.http.get(
        f"/api/v1/workflows/{other.json()['workflow']['id']}/executions", headers=headers
    )
    assert none.status_code == 200 and none.json().get("executions", []) == []
    schema = mesh.http.get(f"/api/v1/bases/{base}/tables", headers=headers).json()["tables"]
    [prices] = [t for t in schema if t["name"] == "Prices"]
    assert [(f["name"], f["type"]) for f in prices["fields"]] == [
        ("Item", "singleLineText"),
        ("Price", "number"),
        ("Note", "singleLineText"),
    ]
    rows = records(mesh, {**office}, prices["id"])
    assert sorted(r["fields"].get("Price") for r in rows) == [2.5, 4]


def test_analytics_count_the_upload_the_rows_and_the_runs(
    mesh: Mesh, office: dict[str, Any]
) -> None:
    """After the chain above: the tenant's figures show it (they lag the events a little)."""
    headers = office["headers"]

    def total(metric: str) -> float:
        reply = mesh.http.get(
            "/api/v1/analytics/metrics:query", params={"metric": metric}, headers=headers
        )
        assert reply.status_code == 200, reply.text
        return float(reply.json().get("total", 0))

    wanted = {"records.created": 11 + 2, "files.uploaded": 2, "workflow_runs.succeeded": 13}
    deadline = time.monotonic() + 60
    found = {m: total(m) for m in wanted}
    while found != wanted and time.monotonic() < deadline:
        time.sleep(0.5)
        found = {m: total(m) for m in wanted}
    assert found == wanted
