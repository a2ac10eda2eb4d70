"""The mesh as its users reach it: grpcurl by reflection on every port, and a gRPC client
in another language (Node.js, @grpc/grpc-js) through Envoy."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from services.runtime import registry
from tests.e2e.mesh import Mesh

NODE_DIR = Path(__file__).parent / "node"
GRPCURL = str(Path(sys.executable).parent / "grpcurl")


def grpcurl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GRPCURL, "-plaintext", *args], capture_output=True, text=True, timeout=30, check=False
    )


# The shared mesh's services: its model provider is the OpenAI double, so no model service
# (tests/model covers that one's gRPC).
@pytest.mark.parametrize("service", [s.name for s in registry.running("openai")])
def test_grpcurl_lists_and_calls_each_service_on_its_port(mesh: Mesh, service: str) -> None:
    target = f"127.0.0.1:{mesh.port(service)}"
    listed = grpcurl(target, "list")
    assert listed.returncode == 0, listed.stderr
    for name in registry.BY_NAME[service].grpc_services:
        assert name in listed.stdout.split()
    health = grpcurl(target, "grpc.health.v1.Health/Check")
    assert json.loads(health.stdout)["status"] == "SERVING"


def test_grpcurl_through_the_gateway(mesh: Mesh) -> None:
    listed = grpcurl(mesh.gateway, "list")
    assert listed.returncode == 0, listed.stderr
    for spec in registry.SERVICES:
        for name in spec.grpc_services:
            assert name in listed.stdout.split()
    described = grpcurl(mesh.gateway, "describe", "tablemesh.users.v1.UsersService")
    assert "rpc GetUser ( .tablemesh.users.v1.GetUserRequest )" in described.stdout
    health = grpcurl(mesh.gateway, "tablemesh.platform.v1.PlatformService/GetMeshHealth")
    assert health.returncode == 0, health.stderr
    assert json.loads(health.stdout)["status"] == "healthy"
    email = f"curl{uuid.uuid4().hex[:8]}@example.com"
    body = json.dumps(
        {"email": email, "password": "grpcurl pass", "firstName": "G", "lastName": "Curl"}
    )
    registered = grpcurl("-d", body, mesh.gateway, "tablemesh.auth.v1.AuthService/Register")
    assert registered.returncode == 0, registered.stderr
    token = json.loads(registered.stdout)["access_token"]
    me = grpcurl(
        "-H",
        f"authorization: Bearer {token}",
        mesh.gateway,
        "tablemesh.users.v1.UsersService/GetMe",
    )
    assert json.loads(me.stdout)["user"]["email"] == email
    anonymous = grpcurl(mesh.gateway, "tablemesh.users.v1.UsersService/GetMe")
    assert anonymous.returncode != 0 and "Unauthenticated" in anonymous.stderr


@pytest.fixture(scope="session")
def node_client() -> Path:
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.fail("Node.js and npm are required for the cross-language client test")
    if not (NODE_DIR / "node_modules" / "@grpc" / "grpc-js").exists():
        subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--silent"],
            cwd=NODE_DIR,
            check=True,
            timeout=300,
        )
    return NODE_DIR / "client.js"


def test_node_client_registers_and_logs_in_through_envoy(mesh: Mesh, node_client: Path) -> None:
    email = f"node{uuid.uuid4().hex[:8]}@example.com"
    result = subprocess.run(
        ["node", str(node_client), mesh.gateway, email, "node pass 123"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["registered"]["principal"]["email"] == email
    assert out["login"]["token_type"] == "Bearer" and out["login"]["access_token"]
    assert out["wrong"]["code"] == 16  # UNAUTHENTICATED
