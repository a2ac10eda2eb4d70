"""Port offsets for the test meshes, chosen at run time.

The launcher takes one TABLEMESH_PORT_OFFSET and puts every port of a mesh in the block
[8000, 8066) + offset, plus Envoy's admin port 9901 + offset (services/runtime/registry.py).
Each mesh or group of in-process services a test starts asks `free_offset()` for a block
of its own: offsets are tried in random order, and one is taken only when every port of
its block binds now and its lock file (under the system temp dir) can be held. The lock
is held until this process exits, so two suites on one machine (two checkouts, two
engineers) never pick the same block, and no port numbers are written down in the tests.

Offsets are multiples of 200, so one block's admin port never falls in another's range
(that would take offsets exactly 1900 apart), and every port stays below the kernel's
ephemeral range, where outgoing connections could take a port before the mesh binds it.
"""

from __future__ import annotations

import fcntl
import functools
import random
import socket
import tempfile
from pathlib import Path
from typing import IO

from services.runtime import registry

STEP = 200
# Ports from 20000 up: above a developer's own mesh (offset 0) and the offsets people pick
# by hand for benches and extra meshes.
LOWEST = 12000
BLOCK = range(registry.GATEWAY_PORT, registry.GATEWAY_PORT + 66)
LOCKS = Path(tempfile.gettempdir()) / "tablemesh-test-ports"

_held: list[IO[bytes]] = []


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _ports(offset: int) -> list[int]:
    return [port + offset for port in BLOCK] + [registry.ENVOY_ADMIN_PORT + offset]


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Old connections in TIME_WAIT do not hold a port (the launcher's check agrees).
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _lock(offset: int) -> IO[bytes] | None:
    LOCKS.mkdir(parents=True, exist_ok=True)
    handle = (LOCKS / f"{offset}.lock").open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def free_offset() -> int:
    """A port offset whose whole block is free now and reserved for this process."""
    highest = _ephemeral_start() - registry.ENVOY_ADMIN_PORT - 1
    candidates = list(range(LOWEST, highest, STEP))
    random.shuffle(candidates)
    for offset in candidates:
        handle = _lock(offset)
        if handle is None:
            continue
        if all(_free(port) for port in _ports(offset)):
            _held.append(handle)
            return offset
        handle.close()
    raise RuntimeError("no free block of mesh ports below the ephemeral range")


@functools.cache
def offset(name: str) -> int:
    """The offset of one named mesh or group of services in this run, chosen on first use.

    Ask for it where the services start, never at import: every pytest process collects
    every module, and the blocks (about 55 below the ephemeral range, shared by every suite
    on the machine) would otherwise be held by processes that never start those services."""
    return free_offset()
