"""The mesh's own processes: service workers, their migrations, and Envoy.

Builds command lines from the registry; supervision and ordering live in mesh.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from collections.abc import Mapping

from services.launcher.layout import Layout
from services.launcher.orphan_guard import wrap
from services.launcher.supervisor import ProcessSpec, note
from services.runtime.config import Settings
from services.runtime.registry import ServiceSpec

ENVOY = "envoy"
MIGRATION_TIMEOUT = 120.0


def child_env(lay: Layout, database_url: str, redis_url: str) -> dict[str, str]:
    """Our environment plus what every child must agree on."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "TABLEMESH_VAR_DIR": str(lay.root),
        # Log lines reach var/logs/*.log as they are written, not when a buffer fills.
        "PYTHONUNBUFFERED": "1",
    }


def service_process(
    spec: ServiceSpec, lay: Layout, cfg: Settings, env: Mapping[str, str]
) -> ProcessSpec:
    argv = (sys.executable, "-m", spec.module)
    # The workers of a service share one Prometheus multiprocess directory, so whichever
    # worker answers a scrape reports the whole service. Stale files of an earlier run go.
    metrics_dir = lay.root / "metrics" / spec.name
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    env = {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    return ProcessSpec(
        spec.name, argv, lay.log(spec.name), env, instances=1 if spec.single else cfg.workers
    )


MIGRATIONS = "migrations"


async def migrate(names: list[str], lay: Layout, env: Mapping[str, str]) -> dict[str, str]:
    """Apply the services' migrations in one child process; {service: why} for failures.

    A child, not an import: Alembic's env.py runs its own event loop and logging setup,
    which should not leak into the launcher. One child for all: Alembic and SQLAlchemy
    load once instead of once per service, which was most of the CPU of a start.
    """
    log, results = lay.log(MIGRATIONS), lay.run / "migrations.json"
    results.unlink(missing_ok=True)
    with log.open("ab") as out:
        argv = [sys.executable, "-m", "services.runtime.migrate", "--results", str(results)]
        proc = await asyncio.create_subprocess_exec(
            *wrap([*argv, *names]),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
            env=dict(env),
            start_new_session=True,
        )
    try:
        code = await asyncio.wait_for(proc.wait(), MIGRATION_TIMEOUT)
    except (TimeoutError, asyncio.CancelledError) as exc:
        proc.kill()
        await proc.wait()
        if isinstance(exc, asyncio.CancelledError):
            raise
        return {MIGRATIONS: f"migrations did not finish within {MIGRATION_TIMEOUT:g}s"}
    if code == 0:
        return {}
    try:
        failed = [str(name) for name in json.loads(results.read_text())]
    except (OSError, ValueError):  # it died before writing them: blame the whole step
        failed = []
    why = f"migrations failed (exit code {code}); see {log}"
    for name in failed:
        note(lay.log(name), why)
    return {name: why for name in failed} or {MIGRATIONS: why}


def envoy_process(lay: Layout, cfg: Settings, env: Mapping[str, str]) -> ProcessSpec:
    """Render the gateway config into var/envoy and run Envoy on it."""
    from services.gateway.envoy_config import command, render

    argv = (*command(render(lay.envoy_config)), "--log-level", "warn")
    return ProcessSpec(ENVOY, argv, lay.log(ENVOY), env)
