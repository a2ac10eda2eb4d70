"""500 connections held busy for 20 s on an authenticated read: every answer is a 200 (the
edge queues what it cannot serve at once), none is a 5xx, no connection is dropped."""

from __future__ import annotations

import pytest

from bench.edge_load import run_wrk
from tests.e2e.mesh import Mesh, bearer

CONNECTIONS = 500
SECONDS = 20


@pytest.mark.soak
@pytest.mark.timeout(SECONDS + 90)
def test_500_connections_for_20_seconds_get_no_5xx(mesh: Mesh) -> None:
    account = mesh.register()
    url = f"{mesh.base_url}/api/v1/users/me"
    assert mesh.http.get(url, headers=bearer(account["access_token"])).status_code == 200
    result = run_wrk(url, bearer(account["access_token"]), CONNECTIONS, SECONDS)
    print(result.summary())
    assert result.count(500, 599) == 0, result.summary()
    assert set(result.statuses) == {200}, result.summary()
    assert result.errors == {"connect": 0, "read": 0, "write": 0, "timeout": 0}, result.summary()
    assert result.requests > CONNECTIONS
