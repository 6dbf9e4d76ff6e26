"""SSRF guard: a webhook URL may only reach the public internet.

Every address the host resolves to (A and AAAA) must be public; one private answer refuses the
whole URL, since an attacker controls which answer a client picks. The check runs when an endpoint
is saved and again before every delivery (DNS rebinding), and the delivery then connects to the
very address that was checked, so a second lookup cannot swap it.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata services: refused even when private addresses are allowed (dev and tests).
METADATA = frozenset(ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200"))


class UnsafeUrl(ValueError):
    """The URL is malformed or reaches an address webhooks must not reach; the message says why."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (`address`) and what to call the host (Host, SNI)."""

    url: str
    scheme: str
    host: str
    port: int
    address: IPAddress


def _unmap(ip: IPAddress) -> IPAddress:
    """`::ffff:10.0.0.1` is 10.0.0.1 on the wire, so judge it as IPv4."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def is_metadata(ip: IPAddress) -> bool:
    return _unmap(ip) in METADATA


def is_public(ip: IPAddress) -> bool:
    """True for globally routable unicast addresses."""
    ip = _unmap(ip)
    if ip in METADATA:
        return False
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def split_url(url: str) -> tuple[str, str, int]:
    """Scheme, host and port of an http(s) URL without credentials; UnsafeUrl otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl(f"not a valid URL ({exc})") from exc
    if parts.scheme not in ("http", "https"):
        raise UnsafeUrl("must start with https:// or http://")
    if not parts.hostname:
        raise UnsafeUrl("has no host name")
    if parts.username or parts.password:
        raise UnsafeUrl("must not contain credentials (user:password@)")
    return parts.scheme, parts.hostname.lower(), port or (443 if parts.scheme == "https" else 80)


def resolve(host: str, port: int) -> list[IPAddress]:
    """All addresses of `host` (a literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeUrl(f"host {host} could not be resolved") from exc
    seen: dict[IPAddress, None] = {}
    for info in infos:
        seen[ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])] = None
    if not seen:
        raise UnsafeUrl(f"host {host} has no addresses")
    return list(seen)


def check_url(url: str, *, allow_private: bool) -> Target:
    """Resolve and vet `url`; with `allow_private` only metadata addresses are refused."""
    scheme, host, port = split_url(url)
    addresses = resolve(host, port)
    for ip in addresses:
        if is_metadata(ip):
            raise UnsafeUrl(f"{host} resolves to {ip}, a cloud metadata address")
        if not allow_private and not is_public(ip):
            raise UnsafeUrl(
                f"{host} resolves to {ip}, a private, loopback, link-local or reserved address; "
                "webhooks can only reach public addresses"
            )
    return Target(url=url, scheme=scheme, host=host, port=port, address=addresses[0])
