"""Which IP addresses count as public: the policy the connect-time guard applies.

Kept apart from the socket code so the classification can be tested on its own against the
exotic ranges: IPv4 hidden inside IPv6 (mapped, NAT64, 6to4, Teredo) is unwrapped and judged by
the IPv4 address it leads to, and special-purpose ranges are listed explicitly rather than left
to ``ipaddress``, whose answers have changed between Python patch releases.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[str]]
"""(host, port) -> IP address strings, in the order to try them."""

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

# Ranges that are never a public destination, listed explicitly because the answers of
# ``is_global``/``is_private`` differ between Python patch releases (on 3.11.7 ``is_global`` is
# True for 224.0.0.1, 64:ff9b::a9fe:a9fe and 2002:7f00:1::).
_NEVER_PUBLIC: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/96",
        "::ffff:0:0/96",
        "64:ff9b:1::/48",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 destinations an IPv6 address actually leads to (mapped, NAT64, 6to4, Teredo)."""
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip in _NAT64:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)
    return []


def is_public(ip: IPAddress) -> bool:
    """True when ``ip`` is an ordinary Internet unicast address, after unwrapping IPv4 in IPv6."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded:
            return all(is_public(v4) for v4 in embedded)
    if any(ip in net for net in _NEVER_PUBLIC if net.version == ip.version):
        return False
    return bool(
        ip.is_global
        and not ip.is_multicast
        and not ip.is_reserved
        and not ip.is_unspecified
        and not ip.is_loopback
        and not ip.is_link_local
        and not ip.is_private
    )


def parse_networks(cidrs: Iterable[str]) -> tuple[IPNetwork, ...]:
    """CIDR strings to networks; a malformed entry is a configuration error (ValueError)."""
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def in_networks(ip: IPAddress, networks: Sequence[IPNetwork]) -> bool:
    candidates: list[IPAddress] = [ip]
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        candidates.append(ip.ipv4_mapped)
    return any(c in net for c in candidates for net in networks if net.version == c.version)


def system_resolver(host: str, port: int) -> list[str]:
    """One getaddrinfo call; distinct addresses in the order the system prefers."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    seen: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in seen:
            seen.append(address)
    return seen
