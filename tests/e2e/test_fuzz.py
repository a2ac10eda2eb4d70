"""Every REST route fuzzed through Envoy from the OpenAPI document (schemathesis).

Each operation gets a bounded number of generated requests, valid and invalid, sent as a
fresh tenant's admin. Whatever is sent: no 5xx; an error is a JSON google.rpc.Status; a
success matches the documented schema, status and content type (a wrong document fails
here); and a refused request leaves the tenant's stored rows exactly as they were.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
import schemathesis
from google.protobuf import descriptor_pool, json_format, message_factory
from google.protobuf.message import Message
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.gateway.http_rules import load_methods
from services.gateway.openapi import build
from services.runtime import descriptors, registry
from services.runtime.config import FILE_EXTENSIONS
from tests.e2e.mesh import Mesh, bearer
from tests.e2e.test_onboarding import onboarding_of
from tests.llm.fake_openai import FakeOpenAI, Reply

# Random requests per route (valid and invalid), besides the coverage phase's deterministic
# edge cases of every parameter and field: the file stays within about two minutes on a
# 2-core machine.
EXAMPLES_PER_ROUTE = 10
# Rows that background workers change after an earlier, successful request (outbox
# delivery, saga progress, budget holds expiring, the analytics' rollups of events and API
# calls, which count every request, refused ones too): they would tell of work the refused
# request did not do. Sagas are counted, not hashed. A client's own figures
# (platform.client_daily) are written by the request itself, and are checked. The audit
# log records sign-ins and refusals from the event bus, after the request answered.
COUNTED_ONLY = {"saga.sagas"}
BACKGROUND = {
    "notifications.outbox",
    "notifications.notifications",
    "llm.budget_reservations",
    "platform.usage_daily",
    "platform.table_writes_daily",
    # An endpoint's messages and attempts come from events, delivered in the background.
    "webhooks.messages",
    "webhooks.attempts",
    "audit.entries",
}

schema = schemathesis.openapi.from_dict(build())
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=EXAMPLES_PER_ROUTE,
    allow_x00=True,
    # A failing example is reported as found: shrinking it would cost the time budget.
    no_shrink=True,
)
# Envoy answers every method a route lacks with the same 404; trying each costs a fifth of
# the budget and tells nothing new.
schema.config.phases.coverage.unexpected_methods = set()


@schemathesis.check
def is_google_rpc_status(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every error, Envoy's own or a service's, is a JSON google.rpc.Status."""
    if response.status_code < 400:
        return None
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(
            f"{response.status_code} is not JSON: {response.text[:300]!r}"
        ) from None
    shaped = (
        isinstance(body, dict)
        and isinstance(body.get("code"), int)
        and isinstance(body.get("message"), str)
        and isinstance(body.get("details"), list)
    )
    assert shaped, f"{response.status_code} is not a google.rpc.Status: {response.text[:300]!r}"
    return None


def _streams() -> dict[str, type[Message]]:
    """gRPC path -> message class of every server-streaming route that answers JSON."""
    descriptors.load_all()
    pool = descriptor_pool.Default()
    found: dict[str, type[Message]] = {}
    for m in load_methods(registry.api_services()):
        output = pool.FindMethodByName(f"{m.service}.{m.name}").output_type
        if m.server_streaming and output.full_name != "google.api.HttpBody":
            found[m.path] = message_factory.GetMessageClass(output)
    return found


STREAMS = _streams()


def assert_stream_of(message: type[Message], body: str) -> None:
    """Newline-delimited JSON: every line one message of the method (unknown fields fail)."""
    lines = body.splitlines()
    assert lines and body.endswith("\n"), body[:300]
    for line in lines:
        json_format.Parse(line, message())


@dataclass
class TenantRows:
    """A fingerprint of everything stored for one tenant: per table, the row count and a
    hash of the rows, read straight from the mesh's database in one query."""

    conn: psycopg.Connection[Any]
    query: str
    tenant_id: str

    @classmethod
    def of(cls, database_url: str, tenant_id: str) -> TenantRows:
        conn = psycopg.connect(database_url, autocommit=True)
        tables = conn.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.columns"
            " WHERE column_name = 'tenant_id' ORDER BY 1"
        ).fetchall()
        parts = []
        for (table,) in tables:
            if table in BACKGROUND:
                continue
            digest = "0" if table in COUNTED_ONLY else "coalesce(sum(hashtext(t::text)), 0)"
            parts.append(
                f"SELECT '{table}', count(*), {digest} FROM {table} t"
                " WHERE t.tenant_id::text = %(tenant)s"
            )
        return cls(conn, " UNION ALL ".join(parts), tenant_id)

    def snapshot(self) -> dict[str, tuple[int, int]]:
        rows = self.conn.execute(self.query, {"tenant": self.tenant_id}).fetchall()
        return {table: (count, digest) for table, count, digest in rows}


# An upload's name is a query parameter the fuzzer makes up: it would almost never have an
# allowed extension, and the body (the fuzzed bytes) would never be looked at. Half the
# uploads get a good name instead (the other half keep theirs), so the content checks are
# fuzzed too.
UPLOAD = "/tablemesh.automation.v1.FilesService/UploadFile"
UPLOAD_NAMES = [f"fuzzed.{extension}" for extension in FILE_EXTENSIONS]


def with_a_good_name_half_the_time(case: Any) -> None:
    made_up = str((case.query or {}).get("name", ""))
    if len(made_up) % 2 == 0:
        case.query = {**(case.query or {}), "name": UPLOAD_NAMES[len(made_up) // 2 % 5]}


# Logout revokes the very token it is called with, whatever the body: it gets a token of its
# own each time, so the routes after it are still fuzzed as a signed-in user.
REVOKES_ITS_TOKEN = {"/tablemesh.auth.v1.AuthService/Logout"}


@dataclass
class Fuzzer:
    mesh: Mesh
    account: dict[str, Any]
    headers: dict[str, str]
    rows: TenantRows

    def fresh_headers(self) -> dict[str, str]:
        body = {"email": self.account["email"], "password": self.account["password"]}
        reply = self.mesh.http.post("/api/v1/auth/login", json=body)
        assert reply.status_code == 200, reply.text
        return bearer(reply.json()["access_token"])


@pytest.fixture(scope="module")
def fuzzer(mesh: Mesh, openai_server: FakeOpenAI) -> Iterator[Fuzzer]:
    # The mesh's model answers every chat the fuzzer gets through, so those succeed and
    # are checked against their documented schema too.
    openai_server.responder = lambda body: Reply(text="A fuzzed answer.")
    account = mesh.register()
    headers = bearer(account["access_token"])
    # The tenant's onboarding runs in the background: let it finish before the fingerprints.
    assert onboarding_of(mesh, headers)["state"] == "completed"
    rows = TenantRows.of(mesh.database_url, account["principal"]["tenant_id"])
    # The fingerprint must see what a request stores, or the check below could never fail.
    before = rows.snapshot()
    created = mesh.http.post("/api/v1/workspaces", json={"name": "fuzz"}, headers=headers)
    assert created.status_code == 200, created.text
    after = rows.snapshot()
    assert after["workspaces.workspaces"] != before["workspaces.workspaces"]
    yield Fuzzer(mesh, account, headers, rows)
    rows.conn.close()
    openai_server.reset()


@schema.parametrize()
@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,
)
def test_route(case: Any, fuzzer: Fuzzer) -> None:
    rpc = case.operation.definition.raw["x-grpc-method"]
    headers = fuzzer.fresh_headers() if rpc in REVOKES_ITS_TOKEN else fuzzer.headers
    if rpc == UPLOAD:
        with_a_good_name_half_the_time(case)
    writes = case.method.upper() != "GET"
    before = fuzzer.rows.snapshot() if writes else None
    response = case.call(base_url=fuzzer.mesh.base_url, headers=headers, timeout=30)
    streamed = rpc in STREAMS and response.status_code == 200
    case.validate_response(
        response,
        checks=[
            schemathesis.checks.not_a_server_error,
            is_google_rpc_status,
            status_code_conformance,
            content_type_conformance,
            # A stream is one message per line, which is no one JSON document: each line
            # is checked against the message instead.
            *([] if streamed else [response_schema_conformance]),
        ],
    )
    if streamed:
        assert_stream_of(STREAMS[rpc], response.text)
    signed_in = response.request.headers.get("Authorization") == headers["Authorization"]
    if signed_in and case.operation.definition.raw["security"] and response.status_code == 401:
        # The token is good for the whole run (some cases leave it out on purpose): a 401 with
        # it means the fuzzer lost its session, and every later route would be fuzzed
        # signed out.
        raise AssertionError(f"{rpc} refused the fuzzer's token: {response.text[:300]}")
    if writes and response.status_code >= 400:
        after = fuzzer.rows.snapshot()
        changed = sorted(t for t in after if after[t] != (before or {}).get(t))
        assert not changed, (
            f"{case.method} {case.formatted_path} was refused ({response.status_code}"
            f" {response.text[:200]}) but changed {changed}; request: {case.as_curl_command()}"
        )
