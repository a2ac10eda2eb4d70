"""Refuse to start on ports someone else holds.

Services bind with SO_REUSEPORT (so workers can share a port), which would also let a
second mesh silently share the first one's ports and answer its calls. A plain bind
(without SO_REUSEPORT) fails on any port that is being listened on, so try that first."""

from __future__ import annotations

import socket


def busy(ports: dict[str, int], host: str = "127.0.0.1") -> dict[str, int]:
    """The named ports that are already in use."""
    taken = {}
    for name, port in ports.items():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            # Old connections in TIME_WAIT must not count as "in use".
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError:
                taken[name] = port
    return taken
