"""The soak: 60 registrations through Envoy while every participant call of the saga may
fail before it runs, lose its reply after it ran, or fail for good, and every orchestrator
is kill -9ed twice. Afterwards every service is read: each onboarding is either complete
(one of everything) or compensated (nothing left), and no step took effect twice."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.chaos.world import (
    AIRTABLE,
    NOTIFICATIONS,
    PARTICIPANTS,
    WORKSPACES,
    World,
    kill_orchestrators,
    onboarding,
    rows_of,
    rule,
    set_faults,
    stored,
    world_of,
)
from tests.e2e.mesh import Mesh

pytestmark = pytest.mark.soak

SAGAS = 60
# Each forward step fails for good for this share of sagas (about 15% compensated).
FAIL_FOR_GOOD = 0.04
TRANSIENT = 0.1
FORWARD = (
    WORKSPACES + "CreateWorkspace",
    AIRTABLE + "CreateBase",
    WORKSPACES + "LinkBase",
    NOTIFICATIONS + "Send",
)


def chaos() -> list[dict[str, Any]]:
    rules = []
    for service in PARTICIPANTS:
        rules.append(rule(service, "unavailable", p=TRANSIENT))
        rules.append(rule(service, "lost_reply", p=TRANSIENT))
    rules.extend(rule(m, "fail", p=FAIL_FOR_GOOD, code="FAILED_PRECONDITION") for m in FORWARD)
    return rules


def check_complete(world: World, saga: dict[str, Any]) -> None:
    assert [s["state"] for s in saga["steps"]] == ["done"] * 4, saga
    counts = {"workspaces": 1, "grants": 1, "bases": 1, "links": 1, "notifications": 1}
    assert world.counts == counts
    workspace = world.workspaces[0]
    assert workspace["owner_user_id"] == world.user_id
    grant = world.grants[0]
    assert (grant["role"], grant["resource"]) == ("owner", f"workspace:{workspace['id']}")
    assert world.bases[0]["name"] == "Sample base"
    assert world.links[0]["base_id"] == world.bases[0]["id"]
    assert world.notifications[0]["template"] == "welcome"


def check_compensated(world: World, saga: dict[str, Any]) -> None:
    # A step failed for good (or kept failing in a way that may have taken effect, and was
    # undone too); every step with a compensation ended undone or never ran.
    assert "failed" in saga["error"], saga
    undone = {s["name"]: s["state"] for s in saga["steps"]}
    assert set(undone.values()) <= {"pending", "failed", "compensated"}, undone
    nothing = {"workspaces": 0, "grants": 0, "bases": 0, "links": 0, "notifications": 0}
    assert world.counts == nothing


# 60 registrations through faults and kills, then every service read back: about two
# minutes alone, and more than the default 300 s while other suites share the 2 cores.
@pytest.mark.timeout(900)
def test_soak_with_faults_and_two_orchestrator_kills(mesh: Mesh) -> None:
    set_faults(mesh, *chaos())
    accounts: list[dict[str, Any]] = []
    with ThreadPoolExecutor(4) as pool:
        for batch in (20, 20, 20):
            accounts.extend(pool.map(lambda _: mesh.register(), range(batch)))
            if len(accounts) < SAGAS:
                kill_orchestrators(mesh)
    sagas = [onboarding(mesh, a["access_token"], wait=180) for a in accounts]
    set_faults(mesh)  # reading back goes through the same services

    outcomes: dict[str, int] = {}
    for account, saga in zip(accounts, sagas, strict=True):
        outcomes[saga["state"]] = outcomes.get(saga["state"], 0) + 1
        world = world_of(mesh, account)
        assert world.profile, account
        if saga["state"] == "completed":
            check_complete(world, saga)
        else:
            assert saga["state"] == "compensated", saga
            check_compensated(world, saga)
        rows = rows_of(mesh, account["principal"]["tenant_id"])
        assert max(rows.values()) <= 1, (saga["id"], rows)  # nothing took effect twice

    retried = sum(s["attempts"] > 1 for saga in sagas for s in saga["steps"])
    print(f"\nsoak: {outcomes}, steps retried after an injected fault: {retried}")
    assert sum(outcomes.values()) == SAGAS
    assert outcomes.get("completed", 0) > 0 and outcomes.get("compensated", 0) > 0
    assert retried > 0  # the faults really happened
    tenants = [a["principal"]["tenant_id"] for a in accounts]
    live = (
        "SELECT count(*) FROM workspaces.workspaces"
        " WHERE deleted_at IS NULL AND tenant_id::text = ANY(%s)"
    )
    assert stored(mesh, live, tenants) == outcomes["completed"]
