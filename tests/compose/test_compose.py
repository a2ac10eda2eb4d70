"""docker-compose.yml is valid against the compose specification and runs the same mesh as
the launcher: every service, on the registry's port, dialled at the right address."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.runtime import registry

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"


# `${VAR:?message}`: compose stops with the message when the variable is unset or empty.
REQUIRED_SECRET = (
    "${TABLEMESH_SERVICE_SECRET:?set TABLEMESH_SERVICE_SECRET to a random value of 32+ "
    "characters, for example from openssl rand -hex 32}"
)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE.read_text()))


def test_valid_against_compose_spec() -> None:
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "check-jsonschema"),
            "--builtin-schema",
            "vendor.compose-spec",
            str(COMPOSE),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("spec", registry.SERVICES, ids=lambda s: s.name)
def test_every_service_matches_the_launcher(
    compose: dict[str, Any], spec: registry.ServiceSpec
) -> None:
    service = compose["services"].get(spec.name)
    assert service is not None, f"{spec.name} is missing from docker-compose.yml"
    assert service["command"] == ["python", "-m", spec.module]
    assert f"{spec.default_port}:{spec.default_port}" in service["ports"]
    env = service["environment"]
    for other in registry.SERVICES:
        assert env[f"TABLEMESH_{other.name.upper()}_ADDR"] == f"{other.name}:{other.default_port}"
    assert env["DATABASE_URL"].startswith("postgresql://") and env["REDIS_URL"]
    assert env["TABLEMESH_SERVICE_SECRET"] == REQUIRED_SECRET


def test_the_service_secret_is_required_everywhere(compose: dict[str, Any]) -> None:
    for name in ("migrate", "envoy"):
        assert compose["services"][name]["environment"]["TABLEMESH_SERVICE_SECRET"] == (
            REQUIRED_SECRET
        )


def test_gateway_and_stores(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert f"{registry.GATEWAY_PORT}:{registry.GATEWAY_PORT}" in services["envoy"]["ports"]
    # Inside a container the published port arrives on its interface, not on loopback.
    assert services["envoy"]["environment"]["TABLEMESH_GATEWAY_HOST"] == "0.0.0.0"
    assert {"postgres", "redis", "migrate"} <= set(services)
    assert services["migrate"]["command"] == ["python", "-m", "services.runtime.migrate"]
    expected = {s.name for s in registry.SERVICES} | {"postgres", "redis", "migrate", "envoy"}
    assert set(services) == expected


def test_the_platform_reaches_envoys_admin_but_nobody_outside(compose: dict[str, Any]) -> None:
    envoy = compose["services"]["envoy"]
    assert envoy["environment"]["TABLEMESH_ENVOY_ADMIN_HOST"] == "0.0.0.0"
    admin = registry.ENVOY_ADMIN_PORT
    assert not any(str(admin) in str(port) for port in envoy["ports"])
    platform = compose["services"]["platform"]["environment"]
    assert platform["TABLEMESH_ENVOY_ADMIN_ADDR"] == f"envoy:{admin}"
