"""Tables through Envoy's REST API, as a user would build and query them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.mesh import Mesh, bearer

FIELDS = [
    {"name": "Name", "type": "singleLineText"},
    {"name": "Hours", "type": "number", "options": {"precision": 1}},
    {
        "name": "Status",
        "type": "singleSelect",
        "options": {"choices": [{"name": "Done"}, {"name": "Open"}]},
    },
]


@pytest.fixture(scope="module")
def project(mesh: Mesh) -> dict[str, Any]:
    account = mesh.register()
    headers = bearer(account["access_token"])
    made = mesh.http.post(
        "/api/v1/bases",
        headers=headers,
        json={"name": "Consulting", "tables": [{"name": "Projects", "fields": FIELDS}]},
    )
    assert made.status_code == 200, made.text
    base, table = made.json()["base"], made.json()["tables"][0]
    rows = [("Atlas", 12.5, "Done"), ("Borealis", 3, "Open"), ("Cosmos", 7, "Done")]
    created = mesh.http.post(
        f"/api/v1/bases/{base['id']}/tables/{table['id']}/records",
        headers=headers,
        json={"records": [{"fields": {"Name": n, "Hours": h, "Status": s}} for n, h, s in rows]},
    )
    assert created.status_code == 200, created.text
    return {
        "headers": headers,
        "base": base,
        "table": table,
        "path": f"/api/v1/bases/{base['id']}/tables/{table['id']}/records",
        "records": created.json()["records"],
    }


def test_schema_and_bases(mesh: Mesh, project: dict[str, Any]) -> None:
    bases = mesh.http.get("/api/v1/bases", headers=project["headers"]).json()["bases"]
    # Onboarding adds its sample base on its own time: it may or may not be there yet.
    theirs = [b["id"] for b in bases if b["name"] != "Sample base"]
    assert theirs == [project["base"]["id"]], bases
    schema = mesh.http.get(
        f"/api/v1/bases/{project['base']['id']}/tables", headers=project["headers"]
    ).json()
    fields = {f["name"]: f["type"] for f in schema["tables"][0]["fields"]}
    assert fields == {"Name": "singleLineText", "Hours": "number", "Status": "singleSelect"}


def test_filter_sort_and_fields(mesh: Mesh, project: dict[str, Any]) -> None:
    reply = mesh.http.get(
        project["path"],
        headers=project["headers"],
        params={
            "filter_by_formula": "AND({Status} = 'Done', {Hours} > 5)",
            "sort": "Hours desc",
            "fields": ["Name", "Hours"],
        },
    )
    assert reply.status_code == 200, reply.text
    records = reply.json()["records"]
    assert [r["fields"] for r in records] == [
        {"Name": "Atlas", "Hours": 12.5},
        {"Name": "Cosmos", "Hours": 7},
    ]


def test_update_get_and_delete(mesh: Mesh, project: dict[str, Any]) -> None:
    record_id = project["records"][1]["id"]
    patched = mesh.http.patch(
        project["path"],
        headers=project["headers"],
        json={"records": [{"id": record_id, "fields": {"Status": "Done"}}]},
    )
    assert patched.status_code == 200, patched.text
    got = mesh.http.get(f"{project['path']}/{record_id}", headers=project["headers"]).json()
    assert got["record"]["fields"] == {"Name": "Borealis", "Hours": 3, "Status": "Done"}
    extra = mesh.http.post(
        project["path"],
        headers=project["headers"],
        json={"records": [{"fields": {"Name": "Temporary"}}]},
    ).json()
    gone_id = extra["records"][0]["id"]
    deleted = mesh.http.delete(
        project["path"], headers=project["headers"], params={"record_ids": [gone_id]}
    )
    assert deleted.status_code == 200 and deleted.json()["record_ids"] == [gone_id]
    assert (
        mesh.http.get(f"{project['path']}/{gone_id}", headers=project["headers"]).status_code == 404
    )


def count(mesh: Mesh, project: dict[str, Any]) -> int:
    reply = mesh.http.get(project["path"], headers=project["headers"])
    return len(reply.json()["records"])


def test_bad_input_changes_nothing(mesh: Mesh, project: dict[str, Any]) -> None:
    before = count(mesh, project)
    eleven = [{"fields": {"Name": f"r{i}"}} for i in range(11)]
    reply = mesh.http.post(project["path"], headers=project["headers"], json={"records": eleven})
    assert reply.status_code == 400 and "at most 10" in reply.json()["message"]
    wrong = mesh.http.post(
        project["path"],
        headers=project["headers"],
        json={"records": [{"fields": {"Hours": "lots"}}]},
    )
    assert wrong.status_code == 400 and "Hours" in wrong.json()["message"]
    unknown = mesh.http.post(
        project["path"],
        headers=project["headers"],
        json={"records": [{"fields": {"Colour": "red"}}]},
    )
    assert unknown.status_code == 400 and "Colour" in unknown.json()["message"]
    assert count(mesh, project) == before
    bad_formula = mesh.http.get(
        project["path"], headers=project["headers"], params={"filter_by_formula": "AND({Hours} > "}
    )
    assert bad_formula.status_code == 400
    assert "filter_by_formula" in bad_formula.json()["message"]
    no_field = mesh.http.get(
        project["path"], headers=project["headers"], params={"filter_by_formula": "{Nope} = 1"}
    )
    assert no_field.status_code == 400 and "Nope" in no_field.json()["message"]


def test_other_tenant_cannot_reach_the_base(mesh: Mesh, project: dict[str, Any]) -> None:
    intruder = bearer(mesh.register()["access_token"])
    assert mesh.http.get(project["path"], headers=intruder).status_code == 404
    assert (
        mesh.http.get(f"/api/v1/bases/{project['base']['id']}/tables", headers=intruder).status_code
        == 404
    )
    write = mesh.http.post(
        project["path"], headers=intruder, json={"records": [{"fields": {"Name": "pwned"}}]}
    )
    assert write.status_code == 404
    assert mesh.http.get("/api/v1/bases", headers=intruder).json().get("bases", []) == []


def test_formula_arithmetic_keeps_its_plus(mesh: Mesh, project: dict[str, Any]) -> None:
    reply = mesh.http.get(
        project["path"],
        headers=project["headers"],
        params={"filter_by_formula": "{Hours} + 1 > 10", "fields": "Name"},
    )
    assert reply.status_code == 200, reply.text
    assert [r["fields"]["Name"] for r in reply.json()["records"]] == ["Atlas"]


def test_fifty_records_in_keyset_pages_and_the_python_bound(mesh: Mesh) -> None:
    """Pages follow their tokens in the sorted order, each record once; a filter whose
    part has no SQL form is refused past the mesh's bound of 40 records, and passes once
    narrowed by a part that has one."""
    headers = bearer(mesh.register()["access_token"])
    made = mesh.http.post(
        "/api/v1/bases",
        headers=headers,
        json={"name": "Fifty", "tables": [{"name": "T", "fields": FIELDS}]},
    )
    assert made.status_code == 200, made.text
    base, table = made.json()["base"]["id"], made.json()["tables"][0]["id"]
    path = f"/api/v1/bases/{base}/tables/{table}/records"
    for start in range(0, 50, 10):
        batch = [
            {"fields": {"Name": f"n{i:02d}", "Hours": i % 7, "Status": ["Done", "Open"][i % 2]}}
            for i in range(start, start + 10)
        ]
        assert mesh.http.post(path, headers=headers, json={"records": batch}).status_code == 200
    seen: list[tuple[float, str]] = []
    tokens = [""]
    while True:
        query: dict[str, Any] = {
            "sort": ["Hours desc", "Name"],
            "page_size": 7,
            "page_token": tokens[-1],
        }
        reply = mesh.http.get(path, headers=headers, params=query)
        assert reply.status_code == 200, reply.text
        seen += [(r["fields"]["Hours"], r["fields"]["Name"]) for r in reply.json()["records"]]
        if not reply.json().get("next_page_token"):
            break
        tokens.append(reply.json()["next_page_token"])
    assert len(tokens) == 8
    assert seen == sorted(((i % 7, f"n{i:02d}") for i in range(50)), key=lambda p: (-p[0], p[1]))
    # A token is for its own query only, and cannot be forged.
    other = mesh.http.get(path, headers=headers, params={"sort": "Name", "page_token": tokens[1]})
    assert other.status_code == 400 and "page_token" in other.json()["message"]
    refused = mesh.http.get(
        path, headers=headers, params={"filter_by_formula": "VALUE({Name} & '') = 0"}
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["message"].startswith(
        "filter_by_formula: VALUE() is checked record by record, and this filter would check "
        "more than 40 records"
    )
    narrowed = mesh.http.get(
        path,
        headers=headers,
        params={"filter_by_formula": "AND({Status} = 'Done', VALUE('' & {Hours}) = 3)"},
    )
    assert narrowed.status_code == 200, narrowed.text
    names = [r["fields"]["Name"] for r in narrowed.json()["records"]]
    assert names == [f"n{i:02d}" for i in range(50) if i % 2 == 0 and i % 7 == 3]
