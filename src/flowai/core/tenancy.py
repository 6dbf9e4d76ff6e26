"""Which tenant a request serves: resolved once from the Host header, cached, fail closed."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from flowai.core.db import Database
from flowai.core.models import Tenant, TenantDomain, TenantEpoch


@dataclass(frozen=True)
class TenantInfo:
    id: str
    slug: str
    name: str
    plan: str
    brand: dict[str, Any] = field(default_factory=dict)
    features: tuple[str, ...] = ()


def normalise_host(host: str) -> str:
    """`Nike.Example.com:8000` → `nike.example.com`; IPv6 literals keep their brackets off."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


# kept, so compiled once: the router reads it every second on the event loop
EPOCH = select(TenantEpoch.value).where(TenantEpoch.id == 1)


class TenantRouter:
    """Maps hosts to tenants with a short-lived cache.

    `invalidate()` drops it at once in this process; other processes (more API workers, the CLI)
    are noticed through `tenant_epoch`, which triggers bump on any change to tenants or domains:
    the router reads it at most every `epoch_poll_seconds` and drops its cache when it moved.
    """

    def __init__(self, db: Database, ttl_seconds: float = 30.0, epoch_poll_seconds: float = 1.0) -> None:
        self._db = db
        self._ttl = ttl_seconds
        self._poll = epoch_poll_seconds
        self._cache: dict[str, tuple[float, TenantInfo | None]] = {}
        self._lock = threading.Lock()
        self._epoch: int | None = None
        self._next_poll = 0.0

    def resolve(self, host: str) -> TenantInfo | None:
        key = normalise_host(host)
        now = time.monotonic()
        self._follow_epoch(now)
        with self._lock:
            hit = self._cache.get(key)
            if hit and hit[0] > now:
                return hit[1]
        info = self._lookup(key)
        with self._lock:
            self._cache[key] = (now + self._ttl, info)
        return info

    def invalidate(self) -> None:
        with self._lock:
            self._cache.clear()

    def _follow_epoch(self, now: float) -> None:
        with self._lock:
            if now < self._next_poll:
                return
            self._next_poll = now + self._poll  # one poll per interval, however many requests
        with self._db.session(system=True) as s:
            epoch = s.execute(EPOCH).scalar_one_or_none()
        with self._lock:
            if epoch != self._epoch:
                self._cache.clear()
                self._epoch = epoch

    def _lookup(self, host: str) -> TenantInfo | None:
        with self._db.session(system=True) as s:
            row = s.execute(
                select(Tenant)
                .join(TenantDomain, TenantDomain.tenant_id == Tenant.id)
                .where(TenantDomain.host == host, TenantDomain.verified.is_(True))
            ).scalar_one_or_none()
            return to_info(row) if row else None


def to_info(t: Tenant) -> TenantInfo:
    return TenantInfo(
        id=t.id,
        slug=t.slug,
        name=t.name,
        plan=t.plan,
        brand=dict(t.brand),
        features=tuple(t.features),
    )
