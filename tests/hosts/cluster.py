"""A mesh across hosts: PostgreSQL and Redis on host A, `tablemesh up` on B and C.

Each mesh host runs every service once (TABLEMESH_WORKERS=1), listening on all its
addresses (TABLEMESH_HOST=0.0.0.0), with the stores' URLs pointing at A and the one
service secret and audit signing key every host must share (set explicitly: each host's
launcher would otherwise make its own under its var dir). Its Envoy balances each
service across its own replica and its peers' (TABLEMESH_PEERS).

Every host runs on the same port offset, as real machines would; Envoy's hot-restart
shared memory (named after the offset, in /dev/shm) is per machine, so each host gets a
private /dev/shm in its mount namespace, as a machine of its own would have.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from services.runtime import registry
from tests.e2e.mesh import BIN, Mesh, mesh_env
from tests.hosts.netns import Host, Network, hosts
from tests.hosts.stores import start_postgres, start_redis
from tests.ports import offset

SUBNET = "10.77.0.0/24"
# PostgreSQL's idle_in_transaction_session_timeout for the meshes' sessions (see
# Cluster.mesh_database_url): the services' transactions do not wait on anything else.
IDLE_IN_TRANSACTION = "5s"

# Runs the rest of the command line with a private /dev/shm (see the module's docstring).
PRIVATE_SHM = 'mount -t tmpfs -o size=64m tmpfs /dev/shm && exec "$@"'


@dataclass
class HostMesh(Mesh):
    """A mesh on one host: the launcher run inside the host's namespace."""

    host: Host | None = None

    @property
    def gateway(self) -> str:
        assert self.host is not None
        return f"{self.host.address}:{registry.GATEWAY_PORT + self.offset}"

    def cli(
        self, *args: str, check: bool = True, timeout: float = 180
    ) -> subprocess.CompletedProcess[str]:
        assert self.host is not None
        argv = self.host.argv("sh", "-c", PRIVATE_SHM, "sh", str(BIN / "tablemesh"), *args)
        result = subprocess.run(
            argv, env=self.env, text=True, capture_output=True, timeout=timeout, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{self.host.label}: tablemesh {' '.join(args)} failed:\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result


@dataclass
class Cluster:
    net: Network
    database_url: str
    redis_url: str
    root: Path
    shared: dict[str, str]
    meshes: dict[str, HostMesh]

    @property
    def mesh_database_url(self) -> str:
        """The database, for the meshes: a session left idle in a transaction is ended by
        PostgreSQL after IDLE_IN_TRANSACTION, so a host cut mid-transaction (its session
        never told) does not keep its row locks from the other host for hours."""
        option = f"idle_in_transaction_session_timeout%3D{IDLE_IN_TRANSACTION}"
        return f"{self.database_url}?options=-c%20{option}"

    def env(self, label: str, peers: list[str]) -> dict[str, str]:
        host = self.net[label]
        var_dir = self.root / f"var-{label}"
        env = mesh_env(var_dir, self.mesh_database_url, self.redis_url, offset("hosts"))
        env.update(self.shared)
        env.update(
            {
                "TABLEMESH_HOST": "0.0.0.0",
                "TABLEMESH_GATEWAY_HOST": "0.0.0.0",
                "TABLEMESH_PEERS": ",".join(self.net[p].address for p in peers),
                "TABLEMESH_WORKERS": "1",
                # No model service (a gigabyte of weights per host); chat is not tested here.
                "TABLEMESH_LLM_PROVIDER": "none",
                "TABLEMESH_WEBHOOKS_ALLOWED_DESTINATIONS": f"{SUBNET},127.0.0.1/32",
                "TABLEMESH_CORS_ORIGINS": f"http://{host.address}:3000",
            }
        )
        return env

    def up(self, label: str, peers: list[str]) -> HostMesh:
        """`tablemesh up --detach` on the host, balancing onto `peers` too."""
        host = self.net[label]
        env = self.env(label, peers)
        mesh = HostMesh(Path(env["TABLEMESH_VAR_DIR"]), env, host=host)
        self.meshes[label] = mesh
        mesh.cli("up", "--detach", timeout=300)
        return mesh

    def down(self, label: str) -> None:
        mesh = self.meshes.pop(label, None)
        if mesh is not None:
            mesh.cli("down", check=False)
            mesh.http.close()


@contextlib.contextmanager
def cluster() -> Iterator[Cluster]:
    """Hosts A, B and C with the stores on A; meshes are started by `Cluster.up`, and
    everything (meshes, stores, namespaces, files) goes afterwards."""
    # Entered by PostgreSQL's own user: not under pytest's private temporary root.
    root = Path(tempfile.mkdtemp(prefix="tablemesh-hosts-"))
    root.chmod(0o755)
    logs = root / "logs"
    logs.mkdir()
    try:
        with hosts("A", "B", "C", subnet=SUBNET) as net:
            a = net["A"]
            database_url = start_postgres(a, SUBNET, root, logs)
            redis_url = start_redis(a, root, logs)
            shared = {
                "TABLEMESH_SERVICE_SECRET": os.environ.get("TABLEMESH_SERVICE_SECRET")
                or secrets.token_urlsafe(48),
                "TABLEMESH_AUDIT_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            }
            made = Cluster(net, database_url, redis_url, root, shared, {})
            try:
                yield made
            finally:
                for label in list(made.meshes):
                    made.down(label)
    finally:
        keep = os.environ.get("TABLEMESH_HOSTS_KEEP")  # a failed run's logs, on request
        if keep:
            shutil.copytree(root, Path(keep) / root.name, dirs_exist_ok=True)
        shutil.rmtree(root, ignore_errors=True)
