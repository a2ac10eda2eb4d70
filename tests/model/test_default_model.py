"""The real default model (Qwen2.5-Coder-1.5B) end to end, through Envoy: a user creates
the README's Projects table, asks for the total hours of finished projects, and gets the
right number, computed by a tool call that the session's history shows. Slow: the mesh
boots, and a tool-using turn takes minutes on 2 busy cores."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.datastores import PrivateStores
from tests.e2e.mesh import Mesh, bearer, booted, mesh_env
from tests.ports import offset

# Three model calls (the tables, the figure, the answer): a minute or two on 2 free cores,
# several when other work shares them.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

PROJECTS = {
    "name": "Consulting",
    "tables": [
        {
            "name": "Projects",
            "fields": [
                {"name": "Name", "type": "singleLineText"},
                {"name": "Hours", "type": "number"},
                {
                    "name": "Status",
                    "type": "singleSelect",
                    "options": {"choices": [{"name": "Done"}, {"name": "Open"}]},
                },
            ],
        }
    ],
}
RECORDS = [
    {"fields": {"Name": "Atlas", "Hours": 12.5, "Status": "Done"}},
    {"fields": {"Name": "Borealis", "Hours": 20, "Status": "Done"}},
    {"fields": {"Name": "Cirrus", "Hours": 7, "Status": "Open"}},
    {"fields": {"Name": "Dune", "Hours": 4, "Status": "Done"}},
]
DONE_HOURS = "36.5"


@pytest.fixture(scope="module")
def default_model_mesh(
    tmp_path_factory: pytest.TempPathFactory, private_stores: PrivateStores
) -> Iterator[Mesh]:
    database_url, redis_url = private_stores.new()
    var_dir = tmp_path_factory.mktemp("default-model")
    env = mesh_env(var_dir, database_url, redis_url, offset("default-model"))
    env.update({"TABLEMESH_MODEL": "qwen2.5-coder-1.5b", "TABLEMESH_LLM_PROVIDER": "local"})
    env.pop("TABLEMESH_WORKERS")  # one worker each: the model needs the CPU
    with booted(Mesh(var_dir, env)) as mesh:
        yield mesh


def test_total_hours_of_finished_projects(default_model_mesh: Mesh) -> None:
    mesh = default_model_mesh
    h = bearer(mesh.register()["access_token"])
    base = mesh.http.post("/api/v1/bases", json=PROJECTS, headers=h)
    assert base.status_code == 200, base.text
    base_id, table_id = base.json()["base"]["id"], base.json()["tables"][0]["id"]
    path = f"/api/v1/bases/{base_id}/tables/{table_id}/records"
    assert mesh.http.post(path, json={"records": RECORDS}, headers=h).status_code == 200

    reply = mesh.http.post(
        "/api/v1/chat",
        json={"message": "Total hours of finished projects?", "base_id": base_id},
        headers=h,
        timeout=780,
    )
    assert reply.status_code == 200, reply.text
    answer = reply.json()
    assert DONE_HOURS in answer["message"], answer
    assert answer["model"] == "qwen2.5-coder-1.5b" and answer["usage"]["cost_usd"] == 0

    history = mesh.http.get(f"/api/v1/sessions/{answer['session_id']}/messages", headers=h).json()[
        "messages"
    ]
    called = [c for m in history for c in m.get("tool_calls", [])]
    assert called and any(DONE_HOURS in c.get("result", "") for c in called), history
