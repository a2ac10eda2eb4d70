"""What a service's clients dial: the address as it is by default (the launcher's mesh),
or its DNS name with round_robin over every address it resolves to (Kubernetes' headless
Services), as TABLEMESH_CLIENT_LOAD_BALANCING says."""

from __future__ import annotations

import json

import pytest
from tablemesh.users.v1 import users_service_pb2  # noqa: F401  (its idempotent methods)

from services.runtime import registry
from services.runtime.clients import MeshClients, service_config, target
from services.runtime.config import Settings
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
