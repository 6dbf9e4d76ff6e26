"""Custom domains: active only after a DNS TXT record `_flowai.<domain>` shows the tenant's token."""

from __future__ import annotations

import secrets

import dns.exception
import dns.resolver

TXT_PREFIX = "_flowai."


def new_token() -> str:
    return f"flowai-verify={secrets.token_urlsafe(24)}"


def record_name(host: str) -> str:
    return f"{TXT_PREFIX}{host}"


def make_resolver(server: str | None) -> dns.resolver.Resolver:
    """The configured server (host:port) or the system's resolver."""
    if not server:
        return dns.resolver.Resolver()
    resolver = dns.resolver.Resolver(configure=False)
    host, _, port = server.rpartition(":") if server.count(":") == 1 else (server, "", "53")
    resolver.nameservers = [host]
    resolver.port = int(port or 53)
    resolver.lifetime = 5.0
    return resolver


def txt_values(host: str, server: str | None) -> list[str]:
    """All TXT strings at `_flowai.<host>`; an absent record is an empty list, not an error."""
    try:
        answer = make_resolver(server).resolve(record_name(host), "TXT")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    return [b"".join(rdata.strings).decode("utf-8", "replace") for rdata in answer]


def check(host: str, token: str, server: str | None) -> tuple[bool, str | None]:
    """(verified, reason when not) for a person to act on."""
    try:
        values = txt_values(host, server)
    except dns.exception.DNSException as exc:
        return False, f"DNS lookup of {record_name(host)} failed: {type(exc).__name__}"
    if token in values:
        return True, None
    if not values:
        return False, f"no TXT record at {record_name(host)} yet; add one with the value {token}"
    return False, f"the TXT record at {record_name(host)} does not contain {token}"
