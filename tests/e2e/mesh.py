"""Boots the whole mesh the way a user does (`tablemesh up --detach`), on a block of ports
chosen at run time (tests/ports.py) so it runs beside a developer's own mesh and other
suites, and offers small helpers to talk to it."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import grpc
import httpx

from services.launcher import state as statefile
from services.runtime import registry
from tests.accounts import register, share

BIN = Path(sys.executable).parent


@dataclass
class Mesh:
    var_dir: Path
    env: dict[str, str]
    http: httpx.Client = field(init=False)
    # Seconds the REST client waits for an answer.
    HTTP_TIMEOUT: ClassVar[float] = 20.0

    @property
    def offset(self) -> int:
        return int(self.env["TABLEMESH_PORT_OFFSET"])

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.base_url, timeout=self.HTTP_TIMEOUT)

    @property
    def database_url(self) -> str:
        """The mesh's own database (tests read stored state from it)."""
        return self.env["DATABASE_URL"]

    @property
    def gateway(self) -> str:
        return f"127.0.0.1:{registry.GATEWAY_PORT + self.offset}"

    @property
    def base_url(self) -> str:
        return f"http://{self.gateway}"

    def port(self, service: str) -> int:
        return registry.BY_NAME[service].default_port + self.offset

    @property
    def services(self) -> tuple[registry.ServiceSpec, ...]:
        """The services it runs: a model service only with the local model provider."""
        return registry.running(self.env.get("TABLEMESH_LLM_PROVIDER") or "local")

    def cli(
        self, *args: str, check: bool = True, timeout: float = 180
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(BIN / "tablemesh"), *args],
            env=self.env,
            text=True,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"tablemesh {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
            )
        return result

    def supervisor_pid(self) -> int:
        current = statefile.read(self.var_dir / "run" / "state.json")
        assert current is not None
        return current.supervisor_pid

    def redis_url(self) -> str:
        """The Redis the running mesh uses (its own embedded one, if it started it)."""
        current = statefile.read(self.var_dir / "run" / "state.json")
        assert current is not None and current.redis_url
        return current.redis_url

    def pids(self, service: str) -> list[int]:
        """The service's worker pids, as the launcher's state file lists them now."""
        current = statefile.read(self.var_dir / "run" / "state.json")
        assert current is not None
        return list(current.processes[service])

    def wait_replaced(
        self, service: str, gone: list[int], wait: float = 40, instances: int | None = None
    ) -> list[int]:
        """Waits until the launcher has restarted the service's workers `gone` (killed):
        all `instances` (TABLEMESH_WORKERS) of them alive again, none of `gone`; returns
        their pids."""
        wanted = instances or int(self.env.get("TABLEMESH_WORKERS", "1"))
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            pids = self.pids(service)
            alive = [p for p in pids if p not in gone and statefile.alive(p)]
            if len(alive) == len(pids) == wanted:
                return pids
            time.sleep(0.1)
        raise AssertionError(f"{service} workers {gone} were not replaced: {self.pids(service)}")

    def channel(self, target: str | None = None) -> grpc.Channel:
        return grpc.insecure_channel(target or self.gateway)

    # --- people ------------------------------------------------------------------------
    def register(self, **overrides: str) -> dict[str, Any]:
        return register(self.http, **overrides)

    def invitation(self, admin_token: str, role: str = "member") -> tuple[str, str]:
        """A new invitation, not yet accepted: (the invited email, its token)."""
        email = f"i{uuid.uuid4().hex[:10]}@example.com"
        reply = self.http.post(
            "/api/v1/auth/invitations",
            json={"email": email, "role": role},
            headers=bearer(admin_token),
        )
        assert reply.status_code == 200, reply.text
        return email, str(reply.json()["token"])

    def share(self, admin_token: str, base_id: str, user_id: str, role: str = "member") -> str:
        """A new workspace holding the base, the user in it with the role: its id."""
        return share(self.http, bearer(admin_token), base_id, user_id, role)

    def invite(self, admin_token: str, role: str = "member") -> dict[str, Any]:
        """An invited user who accepted: the acceptance's reply, with email and password."""
        email, token = self.invitation(admin_token, role)
        accepted = self.http.post(
            "/api/v1/auth/invitations:accept",
            json={
                "token": token,
                "password": "member pass 1",
                "first_name": "Grace",
                "last_name": "Hopper",
            },
        )
        assert accepted.status_code == 200, accepted.text
        return {**accepted.json(), "email": email, "password": "member pass 1"}


M = TypeVar("M", bound=Mesh)


@contextlib.contextmanager
def booted(mesh: M) -> Iterator[M]:
    """The mesh up (`tablemesh up --detach`) for the block, and down after it."""
    try:
        mesh.cli("up", "--detach")
        yield mesh
    finally:
        mesh.cli("down", check=False)
        mesh.http.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def mesh_env(var_dir: Path, database_url: str, redis_url: str, offset: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "TABLEMESH_PORT_OFFSET": str(offset),
            "TABLEMESH_VAR_DIR": str(var_dir),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            # Short throttling window so the lockout test can see it lift.
            "TABLEMESH_LOGIN_FAILURE_WINDOW": "4",
            "TABLEMESH_SHUTDOWN_GRACE": "5",
            # Two worker processes per service: one can die while the other answers.
            "TABLEMESH_WORKERS": "2",
            "TABLEMESH_CORS_ORIGINS": "https://app.example.com,http://localhost:3000",
            "TABLEMESH_AUTH_RATE_LIMIT_PER_MINUTE": "1000",
            # The suite signs up hundreds of people: argon2 at its cheapest (the cost the
            # settings name is tested in tests/auth), so hashing doesn't crowd the mesh out.
            "TABLEMESH_ARGON2_MEMORY_KIB": "64",
            "TABLEMESH_ARGON2_TIME_COST": "1",
            # Two meshes run at once beside the unit tests (`make test`): one kept database
            # connection per process, so their idle pools stay well inside PostgreSQL's
            # default of 100 connections (a burst still opens more, and closes them).
            "TABLEMESH_DB_POOL_SIZE": "1",
            # A killed automation worker's workflow run is taken over within seconds.
            "TABLEMESH_WORKFLOW_LEASE_SECONDS": "3",
            "TABLEMESH_WORKFLOW_RETRY_DELAY": "0.2",
            # Webhooks go only to the tests' receivers on 127.0.0.1 (never out of the
            # machine, whatever URL the route fuzzer makes up), retried at once, and a
            # killed worker's message is taken over within seconds.
            "TABLEMESH_WEBHOOKS_ALLOWED_DESTINATIONS": "127.0.0.1/32",
            "TABLEMESH_WEBHOOKS_ALLOWED_DESTINATIONS_ONLY": "true",
            "TABLEMESH_WEBHOOKS_RETRY_SCHEDULE": "0,0.2,0.2,0.2,0.2",
            "TABLEMESH_WEBHOOKS_TIMEOUT": "3",
            "TABLEMESH_WEBHOOKS_LEASE_SECONDS": "1",
            "TABLEMESH_WEBHOOKS_POLL_INTERVAL": "0.2",
            # Audit tree heads signed twice a second, so a test soon finds its entries signed.
            "TABLEMESH_AUDIT_SIGN_INTERVAL": "0.5",
            # A filter's parts without SQL are checked in Python on at most 40 records:
            # tests/e2e/test_tables.py reaches the bound with a table of 50.
            "TABLEMESH_AIRTABLE_FORMULA_SCAN_LIMIT": "40",
        }
    )
    return env
