"""Envoy started before the auth service (as the launcher may) still gets its JWKS."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from tablemesh.auth.v1 import auth_service_pb2_grpc as auth_grpc
from tablemesh.users.v1 import users_service_pb2_grpc as users_grpc

from services.gateway import envoy_config
from services.runtime import registry
from services.runtime.config import settings
from tests.gateway.harness import KNOWN_USER, Auth, Seen, Signer, Users, run_envoy, start_server

# Bounds real elapsed time, deadlines or leases: `make test` runs it before the meshes boot.
pytestmark = pytest.mark.realtime


async def test_jwks_is_fetched_once_auth_comes_up(gateway_env: Path) -> None:
    conf = settings()
    signer, seen = Signer(conf.jwt_issuer, conf.jwt_audience), Seen()
    config = envoy_config.render(gateway_env / "envoy" / "envoy.yaml")
    url = f"http://127.0.0.1:{registry.gateway_port()}"
    headers = {"authorization": f"Bearer {signer.token()}"}
    with run_envoy(envoy_config.command(config), gateway_env) as proc:
        async with httpx.AsyncClient(base_url=url, timeout=5) as client:
            for _ in range(100):  # Envoy's listener is up, with no auth behind it
                try:
                    early = await client.get(f"/api/v1/users/{KNOWN_USER}", headers=headers)
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            assert early.status_code == 401, early.text
            await asyncio.sleep(1.5)  # several failed JWKS fetches later...
            auth = await start_server(
                registry.spec("auth").port,
                lambda s: auth_grpc.add_AuthServiceServicer_to_server(Auth(signer, seen), s),
            )
            users = await start_server(
                registry.spec("users").port,
                lambda s: users_grpc.add_UsersServiceServicer_to_server(Users(seen), s),
            )
            try:
                status = 0
                for _ in range(50):  # ...the next one succeeds within a few seconds
                    assert proc.poll() is None
                    response = await client.get(f"/api/v1/users/{KNOWN_USER}", headers=headers)
                    status = response.status_code
                    if status == 200:
                        break
                    await asyncio.sleep(0.2)
                assert status == 200
            finally:
                await auth.stop(None)
                await users.stop(None)
