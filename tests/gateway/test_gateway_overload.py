"""A gateway on its own address, with a heap budget it is already over: it listens only
where TABLEMESH_GATEWAY_HOST says, and sheds requests with a 503 google.rpc.Status."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from services.runtime import registry
from services.runtime.config import settings
from tests.gateway.conftest import Gateway, running_gateway
from tests.gateway.harness import KNOWN_USER, assert_status, wait_until

# Any 127.x address is loopback on Linux; this one is not where the services listen.
HOST = "127.0.0.2"


@pytest.fixture(scope="module")
def gateway_env(gateway_env: Path) -> Iterator[Path]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TABLEMESH_GATEWAY_HOST", HOST)
        # Envoy's heap is tens of MiB right after start: the budget is spent at once.
        mp.setenv("TABLEMESH_GATEWAY_MAX_HEAP_MB", "1")
        settings.cache_clear()
        yield gateway_env
    settings.cache_clear()


@pytest.fixture(scope="module")
async def gateway(gateway_env: Path) -> AsyncIterator[Gateway]:
    async with running_gateway(gateway_env, ready=False) as running:
        yield running


def test_the_gateway_listens_on_the_configured_host_only(gateway: Gateway) -> None:
    assert gateway.url == f"http://{HOST}:{registry.gateway_port()}"
    with socket.create_connection((HOST, registry.gateway_port()), timeout=5):
        pass
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", registry.gateway_port()), timeout=5)


async def test_over_its_heap_budget_the_gateway_answers_503(gateway: Gateway) -> None:
    async with httpx.AsyncClient(base_url=gateway.url, timeout=5) as client:

        async def shedding() -> bool:
            return (await client.get(f"/api/v1/users/{KNOWN_USER}")).status_code == 503

        await wait_until(shedding, "the overload manager shedding load", 10)
        reply = await client.get(f"/api/v1/users/{KNOWN_USER}")
        body = assert_status(reply, 503, 14)
        assert body["message"] == "envoy overloaded"
        admin = f"http://127.0.0.1:{registry.envoy_admin_port()}/stats"
        stats = (await client.get(admin, params={"filter": "stop_accepting_requests"})).text
        assert "overload.envoy.overload_actions.stop_accepting_requests.active: 1" in stats
