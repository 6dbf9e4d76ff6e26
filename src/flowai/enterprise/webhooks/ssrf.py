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


NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052: the IPv4 is the last 32 bits
NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215: local use, never globally reachable


def _nat64_local_candidates(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 a 64:ff9b:1::/48 address may carry at each RFC 6052 prefix length the operator may
    have chosen inside that /48 (48, 56, 64, 96); bits 64-71 (the "u" octet) never carry it."""
    b = ip.packed
    return [ipaddress.IPv4Address(raw) for raw in (b[6:8] + b[9:11], b[7:8] + b[9:12], b[9:13], b[12:16])]


def embedded_ipv4(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    """Every IPv4 address an IPv6 address carries inside it, which is where its packets end up:
    IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), 6to4 (`2002:AABB:CCDD::/48`),
    Teredo (server and de-obfuscated client), and NAT64 (64:ff9b::/96 and 64:ff9b:1::/48)."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    elif ip.packed[:12] == bytes(12) and int(ip) > 1:  # ::a.b.c.d, not :: or ::1
        found.append(ipaddress.IPv4Address(ip.packed[12:]))
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if ip in NAT64_WELL_KNOWN:
        found.append(ipaddress.IPv4Address(ip.packed[12:]))
    if ip in NAT64_LOCAL:
        found.extend(_nat64_local_candidates(ip))
    return found


def _unmap(ip: IPAddress) -> IPAddress:
    """`::ffff:10.0.0.1` is 10.0.0.1 on the wire, so judge it as IPv4."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def is_metadata(ip: IPAddress) -> bool:
    """A cloud metadata address, itself or carried inside an IPv6 address."""
    return ip in METADATA or any(v4 in METADATA for v4 in embedded_ipv4(ip))


def _is_public_one(ip: IPAddress) -> bool:
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


def is_public(ip: IPAddress) -> bool:
    """True for globally routable unicast addresses. An IPv6 address that carries IPv4 inside it
    (IPv4-mapped or -compatible, 6to4, NAT64 64:ff9b::/96) is judged by that IPv4, since a relay
    delivers to it: `2002:a9fe:a9fe::` is the metadata service, not a public IPv6 host. Teredo
    must pass both as IPv6 and by its IPv4s; NAT64's local-use 64:ff9b:1::/48 is never public."""
    ip = _unmap(ip)
    if ip in NAT64_LOCAL:
        return False
    inner = embedded_ipv4(ip)
    if not inner:
        return _is_public_one(ip)
    if isinstance(ip, ipaddress.IPv6Address) and ip.teredo is not None and not _is_public_one(ip):
        return False
    return all(_is_public_one(v4) for v4 in inner)


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
