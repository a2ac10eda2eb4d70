"""`tablemesh faults` as a real process against real Redis (no mesh needed: REDIS_URL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from redis.asyncio import Redis

from services.runtime.faults import RULES_KEY

RULE = {"method": "/tablemesh.users.v1.UsersService/GetUser", "fault": "unavailable", "p": 0.5}


def faults(var: Path, redis_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TABLEMESH_VAR_DIR": str(var), "REDIS_URL": redis_url}
    env.pop("TABLEMESH_FAULT_INJECTION", None)
    return subprocess.run(
        [sys.executable, "-m", "services.launcher.cli", "faults", *args],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


async def test_set_show_and_clear(launcher_env: Path, redis_url: str, redis: Redis) -> None:
    done = faults(launcher_env, redis_url, "set", json.dumps([RULE]))
    assert done.returncode == 0, done.stderr
    assert "1 fault rule(s) set" in done.stdout
    assert "ignores them" in done.stdout  # this environment does not inject
    assert json.loads(await redis.get(RULES_KEY) or "[]") == [RULE]
    shown = faults(launcher_env, redis_url, "show")
    assert json.loads(shown.stdout) == [RULE]
    assert faults(launcher_env, redis_url, "clear").returncode == 0
    assert json.loads(await redis.get(RULES_KEY) or "null") == []


async def test_bad_rules_are_refused_and_change_nothing(
    launcher_env: Path, redis_url: str, redis: Redis
) -> None:
    await redis.set(RULES_KEY, json.dumps([RULE]))
    for bad in ("not json", '[{"method": "/a/b", "fault": "explode"}]'):
        done = faults(launcher_env, redis_url, "set", bad)
        assert done.returncode == 2
        assert "bad fault rules" in done.stderr
    assert json.loads(await redis.get(RULES_KEY) or "[]") == [RULE]
    await redis.delete(RULES_KEY)
