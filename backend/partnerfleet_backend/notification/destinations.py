"""Where a webhook may point: public hosts only, checked when the URL is set and again when
each delivery connects (after name resolution, so a name that later resolves to an internal
address gets nowhere).

Refused: other schemes than https (http only when the operator allows it for development),
user names and passwords in the URL, names of the internal kind (``localhost``,
``*.internal``, ``*.local``, single labels), and every address that is not globally routable
(loopback, private, link-local and metadata, unspecified, multicast, reserved; IPv4 in any
spelling, as ``2130706433`` or ``0x7f.1``, and IPv4 in any IPv6 spelling: mapped,
IPv4-compatible, NAT64, 6to4, Teredo; and the deprecated site-local ``fec0::/10``). An
operator may allow named networks (``PARTNERFLEET_WEBHOOK_ALLOWED_NETWORKS``), e.g. a receiver
on the same host in development.
"""

import contextlib
import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.util import connection as urllib3_connection

from partnerfleet_backend.settings import Settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

INTERNAL_SUFFIXES = (".localhost", ".internal", ".local", ".localdomain", ".home.arpa", ".lan")
HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)(\.[a-z0-9_-]{1,63})*$")


class DestinationRefused(Exception):
    """The webhook URL or the address it resolves to is not a public destination."""


@dataclass(frozen=True)
class Destinations:
    """The operator's webhook policy."""

    allow_http: bool
    allowed_networks: tuple[Network, ...]

    @classmethod
    def of(cls, settings: Settings) -> "Destinations":
        networks = tuple(
            ipaddress.ip_network(item.strip(), strict=False)
            for item in settings.webhook_allowed_networks.split(",")
            if item.strip()
        )
        return cls(allow_http=settings.webhook_allow_http, allowed_networks=networks)

    def address_allowed(self, address: Address) -> bool:
        if isinstance(address, ipaddress.IPv6Address):
            if address.is_site_local and not self._listed(address):  # fec0::/10, deprecated
                return False
            address = _embedded_ipv4(address) or address
        if self._listed(address):
            return True
        return address.is_global and not address.is_multicast

    def _listed(self, address: Address) -> bool:
        return any(address in network for network in self.allowed_networks)

    def check_url(self, url: str, *, resolve: bool = True) -> tuple[str, str, int]:
        """(scheme, host, port) of an acceptable URL, or DestinationRefused with the reason.
        With `resolve`, a name that resolves must resolve to allowed addresses only (a name
        that does not resolve yet is checked again at delivery)."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as bad:
            raise DestinationRefused(f"the URL cannot be read: {bad}") from None
        scheme = parts.scheme.lower()
        if scheme != "https" and not (scheme == "http" and self.allow_http):
            raise DestinationRefused("the webhook URL must use https")
        if parts.username is not None or parts.password is not None or "@" in parts.netloc:
            raise DestinationRefused("the webhook URL must not carry a user name or password")
        host = (parts.hostname or "").lower()
        if not host:
            raise DestinationRefused("the webhook URL has no host")
        port = port or (443 if scheme == "https" else 80)
        literal = _literal_address(host)
        if literal is not None:
            if not self.address_allowed(literal):
                raise DestinationRefused(f"{host} is not a public address")
            return scheme, host, port
        if not HOSTNAME.match(host):
            raise DestinationRefused(f"{host!r} is not a host name")
        internal = "." not in host or host == "localhost" or host.endswith(INTERNAL_SUFFIXES)
        if internal and not self.allowed_networks:
            raise DestinationRefused(f"{host} is an internal name")
        if resolve:
            # not resolvable from here (yet): delivery resolves and checks again
            with contextlib.suppress(socket.gaierror):
                self.resolve(host, port)
        return scheme, host, port

    def resolve(self, host: str, port: int) -> str:
        """The address to connect to: every address the name resolves to must be allowed."""
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        refused = [a for a in addresses if not self.address_allowed(a)]
        if refused or not addresses:
            raise DestinationRefused(f"{host} resolves to a non-public address ({refused[0]})")
        return str(addresses[0])


NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 spelling reaches: mapped (::ffff:a.b.c.d), IPv4-compatible
    (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d), 6to4 (2002:aabb:ccdd::) and Teredo's client."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    packed = address.packed
    if packed[:12] == bytes(12) or any(address in network for network in NAT64):
        return ipaddress.IPv4Address(packed[-4:])
    return None


def _literal_address(host: str) -> Address | None:
    """An address written as such, in any spelling a resolver would accept."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    if re.fullmatch(r"[0-9a-fx.]+", host) and not re.search(r"[g-wyz]", host):
        try:  # 2130706433, 0x7f.1, 017700000001: what inet_aton reads as IPv4
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


class _Guarded:
    """Mixed into urllib3's connections: connect only to an address the policy allows,
    resolved here, and remember the socket so a deadline can cut it."""

    def __init__(self, *args: Any, guard: "WebhookPost", **kwargs: Any) -> None:
        self.guard = guard
        super().__init__(*args, **kwargs)

    def _new_conn(self) -> socket.socket:
        host: str = self._dns_host  # type: ignore[attr-defined]
        port: int = self.port  # type: ignore[attr-defined]
        address = self.guard.destinations.resolve(host, port)
        sock = urllib3_connection.create_connection(
            (address, port),
            self.timeout,  # type: ignore[attr-defined]
            socket_options=self.socket_options,  # type: ignore[attr-defined]
        )
        self.guard.sockets.append(sock)
        return sock


class _GuardedHTTP(_Guarded, HTTPConnection):
    pass


class _GuardedHTTPS(_Guarded, HTTPSConnection):
    pass


class WebhookPost:
    """One POST to a webhook: checked destination, no redirects, a total deadline."""

    def __init__(self, destinations: Destinations, deadline_seconds: float) -> None:
        self.destinations = destinations
        self.deadline_seconds = deadline_seconds
        self.sockets: list[socket.socket] = []
        self.cut = False

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """The response status; DestinationRefused, or urllib3's errors on failure."""
        scheme, host, port = self.destinations.check_url(url, resolve=False)
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        pool_class = (
            urllib3.HTTPSConnectionPool if scheme == "https" else urllib3.HTTPConnectionPool
        )
        pool: Any = pool_class(
            host,
            port,
            timeout=urllib3.Timeout(
                connect=min(3.0, self.deadline_seconds), read=self.deadline_seconds
            ),
            retries=False,
            maxsize=1,
            guard=self,
        )
        pool.ConnectionCls = _GuardedHTTPS if scheme == "https" else _GuardedHTTP
        try:
            response = pool.urlopen(
                "POST", target, body=body, headers=headers, redirect=False, retries=False
            )
            return int(response.status)
        finally:
            pool.close()

    def cut_off(self) -> None:
        """The deadline passed: end the connection, whatever it is waiting for."""
        self.cut = True
        _shutdown(self.sockets)


def _shutdown(sockets: Iterable[socket.socket]) -> None:
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
