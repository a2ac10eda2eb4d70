"""A webhooks worker killed (kill -9) mid-delivery loses no message: the other process of
the shared mesh claims it once the lease ends and sends it again, with the same
webhook-id, and the message is recorded delivered once."""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

import psycopg
from standardwebhooks.webhooks import Webhook

from tests.e2e.mesh import Mesh, bearer
from tests.e2e.test_webhooks import API, attempts, endpoint, settled, until, write
from tests.webhooks.receiver import Receiver, receiving


def lease_owner(mesh: Mesh, endpoint_id: str) -> str | None:
    with psycopg.connect(mesh.database_url) as conn:
        row = conn.execute(
            "SELECT lease_owner FROM webhooks.messages WHERE endpoint_id = %s",
            (endpoint_id,),
        ).fetchone()
    return row[0] if row else None


def test_a_killed_worker_s_message_is_delivered_by_another(mesh: Mesh) -> None:
    account = mesh.register()
    headers = bearer(account["access_token"])
    fields = [{"name": "Name", "type": "singleLineText"}]
    made = mesh.http.post(
        "/api/v1/bases",
        headers=headers,
        json={"name": "K", "tables": [{"name": "T", "fields": fields}]},
    )
    assert made.status_code == 200, made.text
    tenant: dict[str, Any] = {
        "headers": headers,
        "base": made.json()["base"]["id"],
        "table": made.json()["tables"][0]["id"],
    }
    # The receiver holds the first request: the delivery is in flight when the kill comes.
    with receiving(Receiver(hold=threading.Event())) as receiver:
        made_ep = endpoint(mesh, tenant, receiver.url)
        ep, secret = made_ep["endpoint"], made_ep["secret"]
        write(mesh, tenant, "Killed mid-flight")
        until(lambda: receiver.received, "the first delivery")
        owner = until(lambda: lease_owner(mesh, ep["id"]), "the message's lease")
        # The lease owner's name carries its pid: webhooks-<host>-<pid>-<n>.
        pid = int(owner.split("-")[-2])
        assert pid in mesh.pids("webhooks")
        os.kill(pid, signal.SIGKILL)
        assert receiver.hold is not None
        receiver.hold.set()
        msg = settled(mesh, tenant, ep["id"], "MESSAGE_STATUS_SUCCEEDED")
    assert len(receiver.received) >= 2
    assert {r.headers["webhook-id"] for r in receiver.received} == {msg["id"]}
    Webhook(secret).verify(receiver.received[-1].body, receiver.received[-1].headers)
    # The killed worker recorded nothing; the one that took over recorded its success.
    found = attempts(mesh, tenant, ep["id"], msg["id"])
    assert [a["succeeded"] for a in found] == [True]
    assert mesh.http.get(f"{API}/{ep['id']}", headers=headers).json()["endpoint"]["enabled"]
    mesh.wait_replaced("webhooks", [pid])
