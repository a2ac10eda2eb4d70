"""Where webhooks may go: the guard against server-side request forgery (SSRF).

A tenant names a URL; without a guard the mesh would POST wherever it points, its own
loopback services, the private network or a cloud's metadata service included. The
guard resolves the host and refuses loopback, private, shared (CGNAT), link-local,
unspecified, multicast and reserved addresses, and the cloud metadata addresses, unless
the operator's allow-list (TABLEMESH_WEBHOOKS_ALLOWED_DESTINATIONS: CIDRs and host:port
pairs) names them. It runs at registration (a clear refusal) and again at every delivery,
and the sender connects to the very address checked then, so a name that resolves to a
public address at registration and to 127.0.0.1 later (DNS rebinding) gains nothing.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
Net = ipaddress.IPv4Network | ipaddress.IPv6Network

# Instance metadata services (AWS, GCP, Azure, OpenStack: 169.254.169.254; AWS over IPv6;
# AWS ECS task metadata; Alibaba). Most are link-local anyway; named so the refusal says so.
METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "fd00:ec2::254", "169.254.170.2", "100.100.100.200")
)
SHARED = ipaddress.ip_network("100.64.0.0/10")
URL_MAX = 2000
RESOLVE_TIMEOUT = 5.0


class Refused(ValueError):
    """The URL may not be called; the message says why, for the tenant's admin."""


@dataclass(frozen=True)
class Allowed:
    """The operator's exceptions: networks, and (host, port) pairs."""

    nets: tuple[Net, ...] = ()
    pairs: frozenset[tuple[str, int]] = field(default_factory=frozenset)
    # Only these destinations, nothing else (closed networks, test meshes).
    only: bool = False

    def allows(self, host: str, port: int, ip: IP) -> bool:
        if (host.lower(), port) in self.pairs or (str(ip), port) in self.pairs:
            return True
        return any(ip in net for net in self.nets)


def parse_allowed(values: list[str], only: bool = False) -> Allowed:
    """Allowed from "10.0.0.0/8", "127.0.0.1:9000", "[::1]:8443", "hooks.internal:443";
    ValueError names an entry that is neither."""
    nets: list[Net] = []
    pairs: set[tuple[str, int]] = set()
    for value in values:
        try:
            nets.append(ipaddress.ip_network(value, strict=False))
            continue
        except ValueError:
            pass
        host, _, port = value.rpartition(":")
        host = host.strip("[]").lower()
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{value!r} is neither a CIDR nor host:port")
        pairs.add((host, int(port)))
    return Allowed(tuple(nets), frozenset(pairs), only)


def forbidden(ip: IP) -> str | None:
    """Why webhooks may not reach the address by default, or None."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA:
        return "a cloud metadata address"
    checks = (
        (ip.is_loopback, "a loopback address"),
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in SHARED, "a shared (CGNAT) address"),
        (ip.is_private, "a private address"),
        (ip.is_reserved, "a reserved address"),
    )
    return next((why for bad, why in checks if bad), None)


@dataclass(frozen=True)
class Target:
    """A URL, split, with the address that was checked: the one to connect to."""

    scheme: str
    host: str
    port: int
    path: str
    ip: IP

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"

    @property
    def address_url(self) -> str:
        """The URL with the checked address in place of the host name."""
        name = f"[{self.ip}]" if self.ip.version == 6 else str(self.ip)
        return f"{self.scheme}://{name}:{self.port}{self.path}"


def split(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an http(s) URL; Refused says what is wrong."""
    if len(url) > URL_MAX:
        raise Refused(f"the URL is longer than {URL_MAX} characters")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise Refused("the URL may not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused("the URL is not a valid URL") from None
    if parts.scheme not in ("http", "https"):
        raise Refused("the URL must start with http:// or https://")
    if not parts.hostname:
        raise Refused("the URL must name a host")
    if parts.username is not None or parts.password is not None:
        raise Refused("the URL may not carry a user name or password")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


class Unresolved(Refused):
    """The host has no address (now): a delivery fails and is retried; a registration
    accepts it, since the name may get its address later and every delivery checks."""


async def resolve(host: str, port: int) -> list[IP]:
    """The host's addresses (an address literal is its own)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        found = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT
        )
    except (OSError, TimeoutError, UnicodeError):
        raise Unresolved(f"the host {host} could not be resolved") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(str(f[4][0]).split("%")[0]) for f in found))
    if not addresses:
        raise Unresolved(f"the host {host} could not be resolved")
    return addresses


async def check(url: str, allowed: Allowed) -> Target:
    """The URL's target, every address it resolves to now acceptable; else Refused."""
    scheme, host, port, path = split(url)
    addresses = await resolve(host, port)
    for ip in addresses:
        if allowed.allows(host, port, ip):
            continue
        why = forbidden(ip)
        if why is not None:
            shown = host if host == str(ip) else f"{host} ({ip})"
            raise Refused(f"the URL's host {shown} is {why}, which webhooks may not reach")
        if allowed.only:
            raise Refused(f"{host}:{port} is not among the destinations the operator allows")
    return Target(scheme, host, port, path, addresses[0])
