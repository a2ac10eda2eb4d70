"""A forced Redis restart in the middle of 60 concurrent registrations: every person who
registered is onboarded completely, because a participant that could not reach a data store
answers UNAVAILABLE, which the saga retries, instead of failing for good."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.chaos.test_soak import check_complete
from tests.chaos.world import onboarding, rows_of, world_of
from tests.e2e.mesh import Mesh

REGISTRATIONS = 60


def register_until_taken(mesh: Mesh) -> dict[str, Any]:
    """A person registering, who tries again when the mesh says it is unavailable (503),
    as clients are told to; if an unavailable answer hid a registration that went through,
    the retry finds the email taken and the person logs in instead."""
    email, password = f"o{uuid.uuid4().hex[:10]}@example.com", "correct horse 1"
    body = {"email": email, "password": password, "first_name": "Ada", "last_name": "L"}
    refusals: list[int] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            reply = mesh.http.post("/api/v1/auth/register", json=body)
        except httpx.TransportError:
            continue
        if reply.status_code == 409 and refusals:
            reply = mesh.http.post(
                "/api/v1/auth/login", json={"email": email, "password": password}
            )
            if reply.status_code == 200:
                return signed_in(mesh, reply.json(), email, password)
        if reply.status_code == 200:
            return {**reply.json(), "email": email, "password": password}
        assert reply.status_code == 503, reply.text  # anything else is a bug
        assert reply.json()["code"] == 14, reply.text
        refusals.append(reply.status_code)
    raise AssertionError(f"{email}: registration kept failing for a minute")


def signed_in(mesh: Mesh, tokens: dict[str, Any], email: str, password: str) -> dict[str, Any]:
    """A login's tokens with the principal a registration would have returned (login
    answers tokens only): the account as the rest of the test reads it."""
    token = tokens["access_token"]
    me = mesh.http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    return {**tokens, "principal": me.json()["principal"], "email": email, "password": password}


def restart_redis(mesh: Mesh) -> int:
    """SIGTERM to the launcher's Redis; returns once the supervisor runs a new one."""
    [old] = mesh.pids("redis")
    os.kill(old, signal.SIGTERM)
    [new] = mesh.wait_replaced("redis", [old], instances=1)
    return new


def test_a_redis_restart_during_registrations_leaves_every_onboarding_completed(
    mesh: Mesh,
) -> None:
    done: list[dict[str, Any]] = []
    restarted = threading.Event()

    def one(_: int) -> dict[str, Any]:
        account = register_until_taken(mesh)
        done.append(account)
        return account

    with ThreadPoolExecutor(8) as pool:
        running = pool.map(one, range(REGISTRATIONS))
        while len(done) < REGISTRATIONS // 4:
            time.sleep(0.05)
        restart_redis(mesh)
        restarted.set()
        accounts = list(running)

    assert restarted.is_set() and len(accounts) == REGISTRATIONS
    for account in accounts:
        saga = onboarding(mesh, account["access_token"], wait=180)
        assert saga["state"] == "completed", saga
        check_complete(world_of(mesh, account), saga)
        rows = rows_of(mesh, account["principal"]["tenant_id"])
        assert max(rows.values()) <= 1, rows
