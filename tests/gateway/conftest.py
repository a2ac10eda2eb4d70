"""Fixtures: the gateway's environment (its own block of ports) and a running Envoy."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from tablemesh.auth.v1 import auth_service_pb2_grpc as auth_grpc
from tablemesh.users.v1 import users_service_pb2_grpc as users_grpc

from services.gateway import envoy_config
from services.runtime import registry
from services.runtime.config import settings
from tests.gateway.harness import (
    KNOWN_USER,
    Auth,
    Seen,
    Signer,
    Users,
    run_envoy,
    start_server,
    wait_until,
)
from tests.ports import offset

ALLOWED_ORIGIN = "http://localhost:3000"


@pytest.fixture(scope="module")
def gateway_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Settings for a gateway at its own port offset, with its own var dir; restored afterwards."""
    var_dir = tmp_path_factory.mktemp("var")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TABLEMESH_PORT_OFFSET", str(offset("gateway")))
        mp.setenv("TABLEMESH_VAR_DIR", str(var_dir))
        mp.setenv("TABLEMESH_CORS_ORIGINS", f"{ALLOWED_ORIGIN},http://127.0.0.1:3000")
        mp.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
        # Nothing is traced by chance: a trace here is one a request forced.
        mp.setenv("TABLEMESH_TRACE_SAMPLE_RATIO", "0")
        for name in list(os.environ):
            if name.startswith("TABLEMESH_") and name.endswith("_ADDR"):
                mp.delenv(name)
        settings.cache_clear()
        try:
            yield var_dir
        finally:
            settings.cache_clear()
    settings.cache_clear()


@dataclass
class Gateway:
    url: str
    grpc_target: str
    signer: Signer
    seen: Seen
    log_dir: Path


@asynccontextmanager
async def running_gateway(var_dir: Path, ready: bool = True) -> AsyncIterator[Gateway]:
    """Envoy rendered from the current settings, in front of stand-in auth and users
    servers; with `ready`, returns once a signed request passes (the JWKS is fetched)."""
    conf = settings()
    signer, seen = Signer(conf.jwt_issuer, conf.jwt_audience), Seen()
    auth = await start_server(
        registry.spec("auth").port,
        lambda s: auth_grpc.add_AuthServiceServicer_to_server(Auth(signer, seen), s),
    )
    users = await start_server(
        registry.spec("users").port,
        lambda s: users_grpc.add_UsersServiceServicer_to_server(Users(seen), s),
    )
    config = envoy_config.render(var_dir / "envoy" / "envoy.yaml")
    url = f"http://{conf.gateway_host}:{registry.gateway_port()}"
    try:
        command = envoy_config.command(config)
        assert command[command.index("--base-id") + 1] == str(offset("gateway"))
        with run_envoy(command, var_dir) as proc:
            async with httpx.AsyncClient(base_url=url, timeout=5) as client:
                token = signer.token()

                async def jwks_loaded() -> bool:
                    assert proc.poll() is None, (var_dir / "envoy.log").read_text()
                    response = await client.get(
                        f"/api/v1/users/{KNOWN_USER}",
                        headers={"authorization": f"Bearer {token}"},
                    )
                    return response.status_code == 200

                async def admin_up() -> bool:
                    assert proc.poll() is None, (var_dir / "envoy.log").read_text()
                    admin = f"http://127.0.0.1:{registry.envoy_admin_port()}/ready"
                    return (await client.get(admin)).status_code == 200

                if ready:
                    await wait_until(jwks_loaded, "Envoy up with the JWKS fetched")
                else:
                    await wait_until(admin_up, "Envoy's admin up")
            target = f"{conf.gateway_host}:{registry.gateway_port()}"
            yield Gateway(url, target, signer, seen, var_dir)
    finally:
        await auth.stop(None)
        await users.stop(None)


@pytest.fixture(scope="module")
async def gateway(gateway_env: Path) -> AsyncIterator[Gateway]:
    """Envoy on its gateway port in front of stand-in auth and users servers; all stopped
    afterwards."""
    async with running_gateway(gateway_env) as running:
        yield running


@pytest.fixture
async def http(gateway: Gateway) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=gateway.url, timeout=10) as client:
        yield client
