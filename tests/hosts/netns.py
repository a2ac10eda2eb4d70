"""Several hosts on this machine: network namespaces on one bridge (we run as root).

`hosts("A", "B", "C")` makes one namespace per host, each with loopback up and one veth
whose other end is on a bridge in the root namespace. The bridge has an address too, so
the test process (in the root namespace) reaches every host directly. Everything made is
removed on exit, also when making it failed halfway; processes started in a namespace
with `Host.popen` are killed first (a namespace's processes keep it alive).

Names carry this process's pid, so two runs never share a namespace or an interface; the
subnet is the caller's (10.77.0.0/24 by default), host i getting the address .i+1 and the
bridge .254.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import signal
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

SUBNET = "10.77.0.0/24"


class NetnsError(RuntimeError):
    pass


def ip(*args: str, netns: str | None = None, check: bool = True) -> str:
    """Runs `ip ARGS` (in `netns` when given); its output."""
    argv = ["ip", *(("-n", netns) if netns else ()), *args]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    if check and done.returncode != 0:
        raise NetnsError(f"{' '.join(argv)}: {done.stderr.strip()}")
    return done.stdout


@dataclass
class Host:
    """One namespace: its name, its address on the bridge and its interface's names."""

    label: str
    netns: str
    address: str
    # The interface inside the namespace and its peer on the bridge.
    inner: str
    outer: str
    processes: list[subprocess.Popen[Any]] = field(default_factory=list)

    def argv(self, *command: str) -> list[str]:
        """`command` run inside the namespace."""
        return ["ip", "netns", "exec", self.netns, *command]

    def run(
        self, *command: str, timeout: float = 60, **kwargs: Any
    ) -> subprocess.CompletedProcess[str]:
        kwargs.setdefault("capture_output", True)
        return subprocess.run(
            self.argv(*command), text=True, timeout=timeout, check=False, **kwargs
        )

    def popen(self, *command: str, **kwargs: Any) -> subprocess.Popen[Any]:
        """A process in the namespace, in a session of its own; killed (with its group)
        when the namespaces go, if it has not ended by then."""
        kwargs.setdefault("start_new_session", True)
        proc = subprocess.Popen(self.argv(*command), **kwargs)
        self.processes.append(proc)
        return proc

    def link(self, up: bool) -> None:
        """Cuts (or restores) the host's one link: from inside, as a failed NIC would."""
        ip("link", "set", self.inner, "up" if up else "down", netns=self.netns)

    def pids(self) -> list[int]:
        """Every process in the namespace (whoever started it)."""
        out = subprocess.run(
            ["ip", "netns", "pids", self.netns], capture_output=True, text=True, check=False
        ).stdout
        return [int(pid) for pid in out.split()]


def _stop(proc: subprocess.Popen[Any], grace: float = 10) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def _kill_rest(host: Host) -> None:
    """Whatever still runs in the namespace (a detached launcher, its children)."""
    for pid in host.pids():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@dataclass
class Network:
    bridge: str
    gateway: str
    hosts: dict[str, Host]

    def __getitem__(self, label: str) -> Host:
        return self.hosts[label]


@contextlib.contextmanager
def hosts(*labels: str, subnet: str = SUBNET) -> Iterator[Network]:
    """Namespaces for `labels` on a new bridge; all of it removed afterwards."""
    net = ipaddress.ip_network(subnet)
    prefix = net.prefixlen
    addresses = list(net.hosts())
    if len(labels) >= len(addresses):
        raise NetnsError(f"{subnet} is too small for {len(labels)} hosts")
    tag = f"tmh{os.getpid() % 100000}"
    bridge_address = str(addresses[-1])
    if bridge_address in ip("-o", "addr", "show"):
        raise NetnsError(f"{bridge_address} is already on an interface here: {subnet} is in use")
    bridge = f"{tag}br"
    made_bridge = False
    made: list[Host] = []
    try:
        ip("link", "add", bridge, "type", "bridge")
        made_bridge = True
        ip("addr", "add", f"{bridge_address}/{prefix}", "dev", bridge)
        ip("link", "set", bridge, "up")
        for i, label in enumerate(labels):
            host = Host(
                label,
                netns=f"{tag}{label.lower()}",
                address=str(addresses[i]),
                inner=f"{tag}{label.lower()}i",
                outer=f"{tag}{label.lower()}o",
            )
            ip("netns", "add", host.netns)
            made.append(host)
            ip("link", "add", host.outer, "type", "veth", "peer", "name", host.inner)
            ip("link", "set", host.inner, "netns", host.netns)
            ip("link", "set", host.outer, "master", bridge, "up")
            ip("link", "set", "lo", "up", netns=host.netns)
            ip("addr", "add", f"{host.address}/{prefix}", "dev", host.inner, netns=host.netns)
            ip("link", "set", host.inner, "up", netns=host.netns)
        yield Network(bridge, bridge_address, {h.label: h for h in made})
    finally:
        for host in made:
            for proc in host.processes:
                _stop(proc)
            _kill_rest(host)
        for host in made:
            # Deleting one end of a veth deletes both; the namespace may already hold none.
            ip("link", "del", host.outer, check=False)
            ip("netns", "del", host.netns, check=False)
        if made_bridge:
            ip("link", "del", bridge, check=False)


def leftovers(tag: str) -> Sequence[str]:
    """Namespaces and links whose names start with `tag` (none after `hosts` ends)."""
    names = [line.split()[0] for line in ip("netns", "list").splitlines() if line.strip()]
    links = [
        line.split(":")[1].strip().split("@")[0]
        for line in ip("-o", "link", "show").splitlines()
        if ":" in line
    ]
    return [n for n in (*names, *links) if n.startswith(tag)]
