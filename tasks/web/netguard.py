"""SSRF guard: refuse connections to non-public addresses, checked at connect time.

The check runs in the network backend httpx connects through, on the address the host name
resolved to, and the connection is then made to that very address: every redirect hop is
checked, and DNS rebinding (a name that resolves to a public address when checked and to a
private one when connecting) cannot pass. Decimal, hex and short IPv4 spellings
(2130706433, 0x7f000001, 127.1) resolve to the address they mean and are judged on it.

Hosts on the allow-list (names as written in the URL, or IP addresses) skip the check: tests
serve pages from 127.0.0.1 with `NEWSFLOW_ALLOW_HOSTS=127.0.0.1` (or `--allow-host`).
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Awaitable, Callable, Iterable

import anyio
import httpcore

ALLOW_HOSTS_ENV = "NEWSFLOW_ALLOW_HOSTS"

Resolver = Callable[[str, int], Awaitable[list[str]]]


class BlockedAddress(httpcore.ConnectError):
    """A connection was refused by the guard (not by the network)."""

    def __init__(self, host: str, address: str, why: str):
        super().__init__(f"{host} resolves to {address} ({why}): not a public address")
        self.host, self.address, self.why = host, address, why


def allow_hosts_from_env() -> frozenset[str]:
    raw = os.environ.get(ALLOW_HOSTS_ENV, "")
    return frozenset(h.strip().lower() for h in raw.split(",") if h.strip())


def non_public_reason(address: str) -> str | None:
    """Why an IP address must not be connected to, or None when it is a public unicast address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:   # ::ffff:a.b.c.d is a.b.c.d
            reason = non_public_reason(str(ip.ipv4_mapped))
            return f"IPv4-mapped {ip.ipv4_mapped}: {reason}" if reason else None
        for embedded in (ip.ipv4_mapped, ip.sixtofour, (ip.teredo or (None, None))[1]):
            if embedded is not None:
                reason = non_public_reason(str(embedded))
                if reason:
                    return f"IPv6 embedding {embedded}: {reason}"
    for flag in ("is_loopback", "is_private", "is_link_local", "is_multicast", "is_unspecified",
                 "is_reserved", "is_site_local"):
        if getattr(ip, flag, False):
            return flag[3:].replace("_", "-")
    if not ip.is_global:
        return "not global"
    return None


async def system_resolver(host: str, port: int) -> list[str]:
    """Addresses of a host, via getaddrinfo (IP literals in any inet_aton form come back as is)."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolve, check every address, connect to the first allowed one by address."""

    def __init__(self, allow_hosts: Iterable[str] = (), resolver: Resolver = system_resolver,
                 inner: httpcore.AsyncNetworkBackend | None = None):
        self.allow_hosts = frozenset(h.lower().strip("[]") for h in allow_hosts)   # [::1] is ::1
        self.resolver = resolver
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None, socket_options=None) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await self.resolver(host, port)
        except (OSError, socket.gaierror) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve {host}")
        refusal = None
        for address in addresses:
            reason = None if self._allowed(host, address) else non_public_reason(address)
            if reason is None:
                return await self.inner.connect_tcp(address, port, timeout=timeout,
                                                    local_address=local_address, socket_options=socket_options)
            refusal = refusal or BlockedAddress(host, address, reason)
        raise refusal

    def _allowed(self, host: str, address: str) -> bool:
        return host.lower().strip("[]") in self.allow_hosts or address in self.allow_hosts

    async def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options=None):
        raise httpcore.ConnectError("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)
