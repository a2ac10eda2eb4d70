"""Registering sets up the new admin's world across services, as one durable saga."""

from __future__ import annotations

import time
from typing import Any

from tests.e2e.mesh import Mesh, bearer


def onboarding_of(mesh: Mesh, headers: dict[str, str]) -> dict[str, Any]:
    """The caller's user_onboarding saga once it has finished (it runs asynchronously)."""
    saga: dict[str, Any] = {}
    for _ in range(120):
        listed = mesh.http.get("/api/v1/sagas", headers=headers)
        assert listed.status_code == 200, listed.text
        sagas = [s for s in listed.json()["sagas"] if s["type"] == "user_onboarding"]
        if sagas and sagas[0]["state"] not in ("running", "compensating"):
            saga = sagas[0]
            break
        time.sleep(0.25)
    assert saga, "the onboarding saga did not finish within 30 s"
    reply = mesh.http.get(f"/api/v1/sagas/{saga['id']}", headers=headers)
    assert reply.status_code == 200, reply.text
    return dict(reply.json()["saga"])


def test_register_sets_up_everything(mesh: Mesh) -> None:
    account = mesh.register()
    user_id = account["principal"]["user_id"]
    headers = bearer(account["access_token"])
    # The profile answers as soon as Register has: no waiting on the saga or the bus.
    me = mesh.http.get("/api/v1/users/me", headers=headers)
    assert me.status_code == 200 and me.json()["user"]["id"] == user_id, me.text
    saga = onboarding_of(mesh, headers)
    assert saga["state"] == "completed", saga
    assert [s["name"] for s in saga["steps"]] == [
        "create_workspace",
        "create_sample_base",
        "link_sample_base",
        "send_welcome",
    ]
    assert [s["state"] for s in saga["steps"]] == ["done"] * len(saga["steps"])

    workspaces = mesh.http.get("/api/v1/workspaces", headers=headers).json()["workspaces"]
    assert len(workspaces) == 1 and workspaces[0]["owner_user_id"] == user_id
    grants = mesh.http.get(
        "/api/v1/permissions", headers=headers, params={"subject": user_id}
    ).json()["permissions"]
    assert any(
        g["role"] == "owner" and g["resource"] == f"workspace:{workspaces[0]['id']}" for g in grants
    ), grants
    bases = mesh.http.get("/api/v1/bases", headers=headers).json()["bases"]
    assert len(bases) == 1
    linked = mesh.http.get(f"/api/v1/workspaces/{workspaces[0]['id']}/bases", headers=headers)
    assert [b["base_id"] for b in linked.json()["linked_bases"]] == [bases[0]["id"]]
    notes = mesh.http.get("/api/v1/notifications", headers=headers).json()["notifications"]
    assert len(notes) == 1 and notes[0]["template"] == "welcome"


def test_another_tenant_cannot_see_the_saga(mesh: Mesh) -> None:
    owner = bearer(mesh.register()["access_token"])
    saga = onboarding_of(mesh, owner)
    intruder = bearer(mesh.register()["access_token"])
    assert mesh.http.get(f"/api/v1/sagas/{saga['id']}", headers=intruder).status_code == 404
    cancel = mesh.http.post(f"/api/v1/sagas/{saga['id']}:cancel", headers=owner, json={})
    assert cancel.status_code == 400 and "finished" in cancel.json()["message"]


def test_bad_saga_requests(mesh: Mesh) -> None:
    headers = bearer(mesh.register()["access_token"])
    onboarding_of(mesh, headers)  # the registration's own saga exists from here on
    unknown = mesh.http.post(
        "/api/v1/sagas", headers=headers, json={"type": "world_domination", "input": {}}
    )
    assert unknown.status_code == 400 and "world_domination" in unknown.json()["message"]

    def saga_ids() -> list[str]:
        return [s["id"] for s in mesh.http.get("/api/v1/sagas", headers=headers).json()["sagas"]]

    before = saga_ids()
    malformed = mesh.http.post(
        "/api/v1/sagas",
        headers=headers,
        json={"type": "user_onboarding", "input": {"user_id": "42", "email": "nope"}},
    )
    assert malformed.status_code == 400, malformed.text
    fields = {
        v["field"]
        for d in malformed.json()["details"]
        for v in d.get("field_violations", d.get("fieldViolations", []))
    }
    assert {"input.user_id", "input.email"} <= fields, malformed.json()
    no_input = mesh.http.post("/api/v1/sagas", headers=headers, json={"type": "user_onboarding"})
    assert no_input.status_code == 400 and "input" in no_input.json()["message"]
    assert saga_ids() == before
    types = mesh.http.get("/api/v1/saga-types", headers=headers).json()
    assert {t["name"] for t in types["saga_types"]} >= {"user_onboarding", "airtable_integration"}


def test_an_invited_member_joins_without_a_second_workspace(mesh: Mesh) -> None:
    """Only a registration (a new tenant) is onboarded; an invited member joins the
    tenant's existing workspaces, so their tenant gains no workspace, base or saga."""
    admin = mesh.register()
    headers = bearer(admin["access_token"])
    assert onboarding_of(mesh, headers)["state"] == "completed"
    member = mesh.invite(admin["access_token"])
    # A registration after the invitation has been onboarded: the member's event, earlier
    # on the same stream, has been handled by then.
    assert onboarding_of(mesh, bearer(mesh.register()["access_token"]))["state"] == "completed"
    sagas = mesh.http.get("/api/v1/sagas", headers=headers).json()["sagas"]
    assert [s["input"]["user_id"] for s in sagas] == [admin["principal"]["user_id"]]
    assert len(mesh.http.get("/api/v1/workspaces", headers=headers).json()["workspaces"]) == 1
    assert len(mesh.http.get("/api/v1/bases", headers=headers).json()["bases"]) == 1
    member_headers = bearer(member["access_token"])
    assert mesh.http.get("/api/v1/users/me", headers=member_headers).status_code == 200
