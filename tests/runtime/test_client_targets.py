"""What a service's clients dial: the address as it is by default (the launcher's mesh),
or its DNS name with round_robin over every address it resolves to (Kubernetes' headless
Services), as TABLEMESH_CLIENT_LOAD_BALANCING says."""

from __future__ import annotations

import json
import socket

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import HealthServicer
from tablemesh.users.v1 import users_service_pb2  # noqa: F401  (its idempotent methods)

from services.runtime import registry
from services.runtime.clients import MeshClients, service_config, target
from services.runtime.config import Settings, settings
from services.runtime.env_settings import InvalidSettings

K8S_USERS = "users.tablemesh.svc.cluster.local:8010"


def test_by_default_the_address_is_dialled_as_it_is() -> None:
    users = registry.spec("users")
    assert target(users) == users.address == f"127.0.0.1:{users.port}"
    assert "loadBalancingConfig" not in json.loads(service_config(users))
    assert Settings().client_load_balancing == "pick_first"
    assert MeshClients().load_balancing == "pick_first"


def test_round_robin_dials_the_dns_name_of_the_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLEMESH_USERS_ADDR", K8S_USERS)
    monkeypatch.setenv("TABLEMESH_CLIENT_LOAD_BALANCING", "round_robin")
    users = registry.spec("users")
    balancing = Settings().client_load_balancing
    assert balancing == "round_robin"
    assert target(users, balancing) == f"dns:///{K8S_USERS}"
    config = json.loads(service_config(users, balancing))
    assert config["loadBalancingConfig"] == [{"round_robin": {}}]
    # The retry policy of idempotent methods is kept beside it.
    assert config["methodConfig"][0]["retryPolicy"]["retryableStatusCodes"] == ["UNAVAILABLE"]


def test_an_unknown_policy_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLEMESH_CLIENT_LOAD_BALANCING", "random")
    with pytest.raises(InvalidSettings, match="TABLEMESH_CLIENT_LOAD_BALANCING"):
        Settings()


def test_connections_age_out_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().max_connection_age == 0
    monkeypatch.setenv("TABLEMESH_MAX_CONNECTION_AGE", "300")
    assert Settings().max_connection_age == 300


def test_with_peers_this_host_comes_first_then_each_peer() -> None:
    users = registry.spec("users")
    peers = ["10.0.0.7", "localhost", "no-such-host.invalid"]
    # localhost is this host again (said once); a name that does not resolve is left out.
    assert (
        target(users, "pick_first", peers) == f"ipv4:127.0.0.1:{users.port},10.0.0.7:{users.port}"
    )
    assert target(users, "round_robin", peers) == f"dns:///{users.address}"


async def test_a_call_goes_to_a_peer_while_this_host_s_replica_is_away(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The peer is 127.0.0.2 (loopback too): its replica listens at the service's port,
    # where on 127.0.0.1 (this host) nothing does.
    with socket.socket() as probe:
        probe.bind(("127.0.0.2", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("TABLEMESH_PORT_OFFSET", str(port - registry.spec("users").default_port))
    settings.cache_clear()
    server = grpc.aio.server()
    health = HealthServicer()
    health.set("", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    server.add_insecure_port(f"127.0.0.2:{port}")
    await server.start()
    clients, alone = MeshClients(peers=["127.0.0.2"]), MeshClients()
    try:
        stub = clients.stub(health_pb2_grpc.HealthStub, "users")
        reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=10)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        without_peers = alone.stub(health_pb2_grpc.HealthStub, "users")
        with pytest.raises(grpc.aio.AioRpcError) as away:
            await without_peers.Check(health_pb2.HealthCheckRequest(), timeout=2)
        assert away.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        await clients.close()
        await alone.close()
        await server.stop(0)
        monkeypatch.delenv("TABLEMESH_PORT_OFFSET")
        settings.cache_clear()
