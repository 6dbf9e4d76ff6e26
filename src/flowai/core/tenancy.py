"""Which tenant a request serves: resolved once from the Host header, cached, fail closed."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from flowai.core.db import Database
from flowai.core.models import Tenant, TenantDomain


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


class TenantRouter:
    """Maps hosts to tenants with a short-lived cache; `invalidate()` after any domain change."""

    def __init__(self, db: Database, ttl_seconds: float = 30.0) -> None:
        self._db = db
        self._ttl = ttl_seconds
        self._cache: dict[str, tuple[float, TenantInfo | None]] = {}
        self._lock = threading.Lock()

    def resolve(self, host: str) -> TenantInfo | None:
        key = normalise_host(host)
        now = time.monotonic()
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
