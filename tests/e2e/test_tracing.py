"""One trace id from Envoy through every service hop, readable with `tablemesh trace`."""

from __future__ import annotations

import json
import secrets
import time

from tests.e2e.mesh import Mesh


def wait_for_spans(
    mesh: Mesh, trace_id: str, services: set[str], names: frozenset[str] = frozenset()
) -> list[dict[str, object]]:
    """The trace's spans once every service (and every named span) has reported: a
    server span ends, and is exported, after the client spans it made."""
    path = mesh.var_dir / "traces" / f"{trace_id}.jsonl"
    spans: list[dict[str, object]] = []
    for _ in range(60):  # Envoy flushes spans every 5 s, services every second
        if path.exists():
            spans = [json.loads(line) for line in path.read_text().splitlines() if line]
            seen = {str(s["service"]) for s in spans}
            if services <= seen and names <= {str(s["name"]) for s in spans}:
                return spans
        time.sleep(0.25)
    raise AssertionError(f"spans seen: {[(s['service'], s['name']) for s in spans]}")


def test_a_request_is_one_trace_across_gateway_workspaces_and_permissions(mesh: Mesh) -> None:
    account = mesh.register()
    trace_id = secrets.token_hex(16)
    traceparent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
    # x-client-trace-id asks Envoy to trace this request whatever the sample ratio: a
    # caller with a bearer token may (tests/gateway/test_gateway_tracing.py).
    reply = mesh.http.post(
        "/api/v1/workspaces",
        headers={
            "traceparent": traceparent,
            "x-client-trace-id": trace_id,
            "authorization": f"Bearer {account['access_token']}",
        },
        json={"name": "Traced"},
    )
    assert reply.status_code == 200, reply.text
    create = "/tablemesh.workspaces.v1.WorkspacesService/CreateWorkspace"
    spans = wait_for_spans(
        mesh, trace_id, {"gateway", "workspaces", "permissions"}, frozenset({create})
    )
    assert {s["trace_id"] for s in spans} == {trace_id}
    names = {str(s["name"]) for s in spans}
    assert any(n.startswith("/tablemesh.permissions.v1.PermissionsService/") for n in names)

    shown = mesh.cli("trace", trace_id)
    assert "CreateWorkspace" in shown.stdout and "ms" in shown.stdout
    assert "permissions" in shown.stdout and "gateway" in shown.stdout


def test_trace_command_rejects_bad_ids(mesh: Mesh) -> None:
    bad = mesh.cli("trace", "not-a-trace", check=False)
    assert bad.returncode != 0 and "32 hex digits" in bad.stdout + bad.stderr
    missing = mesh.cli("trace", "0" * 32, check=False)
    assert missing.returncode != 0 and "no spans" in missing.stdout + missing.stderr
