"""Where Baton may connect: the guard against server-side request forgery that every
outbound connection passes (webhooks, tasks, the SMS, push and chat APIs, SMTP).

A host is resolved once, every address it resolves to must be public, and the connection
goes to the address that was checked: the name is never looked up again, so a DNS answer
that changes between check and connect (rebinding) cannot reach a private address. A
lookup that fails refuses the call. IPv4 addresses carried inside IPv6 ones (mapped,
compatible, 6to4, NAT64, Teredo) are checked as the IPv4 address they reach. A channel's
`allow` list opens hosts or networks on purpose (a mail relay on the same box, a CRM on
the office network).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# host, port → the addresses it resolves to.
Resolver = Callable[[str, int], list[str]]

_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


class Refused(Exception):
    """The guard will not connect; the message says why."""


def system_resolver(host: str, port: int) -> list[str]:
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in found]


def embedded_ipv4(ip: Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to (none for a plain IPv6 or an IPv4)."""
    if isinstance(ip, ipaddress.IPv4Address):
        return []
    found = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
    if any(ip in network for network in _NAT64) or (
        ip in _IPV4_COMPATIBLE and int(ip) > 1  # :: and ::1 are not IPv4-compatible
    ):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [address for address in found if address is not None]


def is_public(ip: Address) -> bool:
    return ip.is_global and all(inner.is_global for inner in embedded_ipv4(ip))


def allow_list(values: Sequence[str]) -> list[str]:
    """An `allow` setting checked and normalized: hosts, and networks in CIDR notation."""
    for value in values:
        if "/" in value:
            try:
                ipaddress.ip_network(value, strict=False)
            except ValueError:
                raise ValueError(f"{value!r} is neither a host nor a network") from None
    return [value.lower() for value in values]


@dataclass(frozen=True)
class Egress:
    """The guard for one channel's settings: `allow` holds host names and networks that
    may be reached although not public."""

    allow: Sequence[str] = ()
    resolve: Resolver = system_resolver

    @cached_property
    def _networks(self) -> tuple[Network, ...]:
        return tuple(ipaddress.ip_network(a, strict=False) for a in self.allow if "/" in a)

    def address(self, host: str, port: int) -> str:
        """The checked address to connect to for `host`; raises Refused."""
        name = host.strip("[]").lower()
        try:
            found = [ipaddress.ip_address(a.partition("%")[0]) for a in self.resolve(name, port)]
        except (OSError, UnicodeError, ValueError) as error:
            raise Refused(f"{name} could not be resolved ({error}): not called") from None
        if not found:
            raise Refused(f"{name} resolves to no address: not called")
        for ip in found:
            if not self.permits(name, ip):
                raise Refused(
                    f"{name} resolves to {ip}, which is not a public address: allow it in "
                    "the channel's settings to call it"
                )
        return str(found[0])

    def permits(self, host: str, ip: Address) -> bool:
        """Whether a connection to `ip`, made for `host`, may be used."""
        if host.strip("[]").lower() in self.allow or is_public(ip):
            return True
        return any(ip in network for network in self._networks) or any(
            inner in network for inner in embedded_ipv4(ip) for network in self._networks
        )

    def permits_peer(self, host: str, sock: socket.socket | None) -> bool:
        """Whether an open connection, made for `host`, may carry this channel's call:
        a kept-alive connection may have been opened under another channel's allow list."""
        if sock is None:
            return True  # not connected yet: connecting checks
        try:
            peer = ipaddress.ip_address(str(sock.getpeername()[0]).partition("%")[0])
        except (OSError, ValueError):
            return False
        return self.permits(host, peer)
