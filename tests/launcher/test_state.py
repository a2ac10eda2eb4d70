from __future__ import annotations

import os
from pathlib import Path

from services.launcher import state
from services.launcher.report import redact


def test_state_round_trips_and_a_stopped_launcher_is_not_running(tmp_path: Path) -> None:
    path = tmp_path / "run" / "state.json"
    mine = state.State(os.getpid(), processes={"auth": [1, 2]}, ports={"auth": 8109})
    state.write(path, mine)
    assert state.read(path) == mine
    assert state.running(path) == mine
    mine.status = state.STOPPED
    state.write(path, mine)
    assert state.running(path) is None
    assert state.read(path) == mine


def test_passwords_are_not_printed() -> None:
    assert redact("postgresql://app:s3cret@db:5432/x") == "postgresql://app:***@db:5432/x"
    assert (
        redact("postgresql://postgres@/tablemesh?host=/v")
        == "postgresql://postgres@/tablemesh?host=/v"
    )
    assert redact("unix:///v/redis.sock") == "unix:///v/redis.sock"
