"""var/run/state.json: what a running launcher started, for `status`, `down` and tests.

Written by the supervising process whenever a pid changes; read by the other commands.
Replaced atomically so a reader never sees half a file.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

# Lifecycle of a launcher run, in order; "failed" replaces "ready" when startup fails.
# The file stays behind as "stopped" so whoever started a failed run can read why.
STARTING, READY, FAILED, STOPPING, STOPPED = "starting", "ready", "failed", "stopping", "stopped"


@dataclass
class State:
    supervisor_pid: int
    status: str = STARTING
    detached: bool = False
    port_offset: int = 0
    database_url: str = ""
    redis_url: str = ""
    # The embedded PostgreSQL data dir (unset when DATABASE_URL was given) and its pid.
    pg_data: str | None = None
    postgres_pid: int | None = None
    # pids per supervised process group: each service, "envoy", "redis" (if embedded).
    processes: dict[str, list[int]] = field(default_factory=dict)
    # Listening ports: each service, "gateway" and "envoy-admin".
    ports: dict[str, int] = field(default_factory=dict)
    # What did not come up, when status is "failed"; with a one-line reason.
    failures: dict[str, str] = field(default_factory=dict)
    started_at: float = field(default_factory=time.time)
    # Whether the services act on `tablemesh faults` rules (TABLEMESH_FAULT_INJECTION).
    fault_injection: bool = False


def write(path: Path, state: State) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(asdict(state), indent=2) + "\n")
    os.replace(tmp, path)


def read(path: Path) -> State | None:
    try:
        data = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return State(**data)


def alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by its parent) is not alive for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def running(path: Path) -> State | None:
    """The state of a launcher that is still alive, or None."""
    current = read(path)
    if current is None or current.status == STOPPED or not alive(current.supervisor_pid):
        return None
    return current
