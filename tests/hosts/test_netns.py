"""The namespaces themselves: every host reaches every other over TCP (and the tests, in
the root namespace, reach each host), a cut link cuts only that host, and nothing is left
behind. (This machine has no ping: the probes are TCP connects.)"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from tests.hosts.netns import Host, hosts, leftovers

pytestmark = pytest.mark.hosts

PORT = 7777
PROBE = (
    "import socket,sys\n"
    "try:\n"
    "    socket.create_connection((sys.argv[1], int(sys.argv[2])), float(sys.argv[3])).close()\n"
    "except OSError as e:\n"
    "    sys.exit(str(e))\n"
)


def reaches(src: Host, address: str, timeout: float = 2.0) -> bool:
    return src.run(sys.executable, "-c", PROBE, address, str(PORT), str(timeout)).returncode == 0


def listening(address: str, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while True:
        try:
            socket.create_connection((address, PORT), 1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_hosts_reach_each_other_and_go_away() -> None:
    tag = f"tmh{os.getpid() % 100000}"
    with hosts("A", "B", "C") as net:
        every = [net["A"], net["B"], net["C"]]
        for host in every:
            server = (sys.executable, "-m", "http.server", str(PORT), "--bind", host.address)
            host.popen(*server, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for host in every:
            listening(host.address)  # from the root namespace
        for src in every:
            for dst in every:
                assert reaches(src, dst.address), f"{src.label} -> {dst.label}"
            # Loopback is up in each namespace, and its own: nobody listens on it.
            assert not reaches(src, "127.0.0.1")
        b, c = net["B"], net["C"]
        c.link(up=False)
        assert not reaches(b, c.address, timeout=1)
        assert reaches(b, net["A"].address)
        c.link(up=True)
        assert reaches(b, c.address, timeout=5)
        assert set(leftovers(tag)) >= {h.netns for h in every}
    assert leftovers(tag) == []
