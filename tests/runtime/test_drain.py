"""SIGTERM: health turns NOT_SERVING first, in-flight calls finish, then the process exits."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from grpc_health.v1 import health_pb2, health_pb2_grpc
from tablemesh.users.v1 import users_service_pb2 as pb
from tablemesh.users.v1 import users_service_pb2_grpc as pb_grpc

from tests.ports import offset
from tests.tokens import access_token

# Bounds real elapsed time, deadlines or leases: `make test` runs it before the meshes boot.
pytestmark = pytest.mark.realtime

ROOT = Path(__file__).resolve().parents[2]
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def target() -> str:
    """The slow users server's address, in this test's own block of ports."""
    return f"127.0.0.1:{8010 + offset('drain')}"


def signed_token(key: Ed25519PrivateKey) -> str:
    return access_token(key, "drain-test")


def start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.runtime.slow_users"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    health = health_pb2_grpc.HealthStub(grpc.insecure_channel(target()))
    for _ in range(600):  # 60 s: a busy 2-core machine boots a service in 15 s and more
        try:
            if health.Check(health_pb2.HealthCheckRequest(), timeout=1).status == SERVING:
                return proc
        except grpc.RpcError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise AssertionError(log.read_text())


def test_sigterm_drains_in_flight_calls(database_url: str, redis_url: str, tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(key.public_key()))
    jwks = {"keys": [{**jwk, "kid": "drain-test", "alg": "EdDSA", "use": "sig"}]}
    env = {
        **os.environ,
        "TABLEMESH_PORT_OFFSET": str(offset("drain")),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "TABLEMESH_SHUTDOWN_GRACE": "5",
        "TABLEMESH_VAR_DIR": str(tmp_path),
        "SLOW_USERS_JWKS": json.dumps(jwks),
    }
    proc = start(env, tmp_path / "out.log")
    channel = grpc.insecure_channel(target())
    stub = pb_grpc.UsersServiceStub(channel)
    metadata = [("authorization", f"Bearer {signed_token(key)}")]
    statuses: list[int] = []

    def watch() -> None:
        stream = health_pb2_grpc.HealthStub(channel).Watch(
            health_pb2.HealthCheckRequest(), timeout=10
        )
        try:
            for reply in stream:
                statuses.append(reply.status)
        except grpc.RpcError:
            pass

    def slow_call(_: int) -> grpc.StatusCode:
        try:
            stub.GetUser(pb.GetUserRequest(user_id="u"), timeout=10, metadata=metadata)
        except grpc.RpcError as err:
            return err.code()
        return grpc.StatusCode.OK

    with ThreadPoolExecutor(8) as pool:
        watcher = pool.submit(watch)
        calls = [pool.submit(slow_call, i) for i in range(4)]
        time.sleep(0.5)  # the calls are in flight (each takes 1.5 s)
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        assert proc.poll() is None, "the server must wait for in-flight calls"
        codes = [c.result() for c in calls]
        watcher.result()
    assert codes == [grpc.StatusCode.OK] * 4, codes
    assert proc.wait(15) == 0
    assert statuses[0] == SERVING and NOT_SERVING in statuses, statuses
    with __import__("pytest").raises(grpc.RpcError) as refused:
        stub.GetUser(pb.GetUserRequest(user_id="u"), timeout=2, metadata=metadata)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
