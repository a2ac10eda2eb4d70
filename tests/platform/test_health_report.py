"""The mesh health report: dependencies that do not answer make it degraded, say which, and
never say where they live; one report serves every caller for a second."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from redis.asyncio import Redis

from services.platform import health_report
from services.platform.dependencies import check_dependencies
from services.platform.health_report import HealthReporter
from services.runtime import registry
from services.runtime.clients import MeshClients
from services.runtime.config import settings
from tests.ports import offset


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def nobody(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An address nothing listens on, as Envoy's admin; the mesh's ports at an offset no
    test mesh uses, so no service answers either."""
    address = f"127.0.0.1:{free_port()}"
    monkeypatch.setenv("TABLEMESH_ENVOY_ADMIN_ADDR", address)
    monkeypatch.setenv("TABLEMESH_PORT_OFFSET", str(offset("nobody")))
    settings.cache_clear()
    yield address
    settings.cache_clear()


async def test_every_dependency_that_does_not_answer_is_reported(nobody: str) -> None:
    dead_redis = Redis.from_url(f"redis://{nobody}/0", socket_connect_timeout=0.5)
    database_url = f"postgresql://postgres@/nowhere?host=/tmp/no-such-dir-{free_port()}"
    try:
        answers = await check_dependencies(database_url, dead_redis)
    finally:
        await dead_redis.aclose()
    assert [a.name for a in answers] == ["postgres", "redis", "envoy"]
    assert all(a.status == "UNREACHABLE" for a in answers), answers
    for answer in answers:
        assert answer.error.startswith(f"{answer.name} did not answer")
        assert "/tmp" not in answer.error and "nowhere" not in answer.error


async def test_live_dependencies_serve(database_url: str, redis: Redis, nobody: str) -> None:
    postgres, live_redis, envoy = await check_dependencies(database_url, redis)
    assert (postgres.status, live_redis.status) == ("SERVING", "SERVING")
    assert envoy.status == "UNREACHABLE"  # nothing listens at the admin address here
    assert postgres.address == live_redis.address == ""


async def test_one_report_serves_every_caller_for_a_second(
    database_url: str, redis: Redis, nobody: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clients = MeshClients()  # no service runs at this test's ports: all UNREACHABLE
    services = registry.running("openai")
    reporter = HealthReporter(clients, redis, database_url, services)
    try:
        first = await reporter.report()
        assert (await reporter.report()) is first
        assert not first.healthy
        assert {a.status for a in first.services} == {"UNREACHABLE"}
        # The services of the configuration only: another provider runs no model service.
        assert [a.name for a in first.services] == [s.name for s in services]
        assert "model" not in [a.name for a in first.services]
        monkeypatch.setattr(health_report, "REUSE_SECONDS", 0.0)
        assert (await reporter.report()) is not first
    finally:
        await clients.close()
