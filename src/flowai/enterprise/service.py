"""Tenant provisioning: a tenant row plus the hosts it is served on."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from flowai.core.errors import field_error
from flowai.core.models import Tenant, TenantDomain
from flowai.core.tenancy import normalise_host

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def create(
    s: Session,
    *,
    slug: str,
    name: str,
    base_domain: str,
    hosts: list[str] | None = None,
    plan: str = "free",
) -> Tenant:
    """Create a tenant served at once on `<slug>.<base_domain>` (and any extra verified hosts)."""
    if not SLUG.match(slug):
        raise field_error(422, "validation", "slug", "use 1–63 lowercase letters, digits and inner hyphens")
    if s.execute(select(Tenant).where(Tenant.slug == slug)).scalar_one_or_none():
        raise field_error(409, "slug-taken", "slug", f"tenant {slug!r} already exists")
    tenant = Tenant(slug=slug, name=name, plan=plan)
    s.add(tenant)
    s.flush()
    for host in [f"{slug}.{base_domain}", *(hosts or [])]:
        host = normalise_host(host)
        if s.get(TenantDomain, host):
            raise field_error(409, "host-taken", "hosts", f"{host} already serves another tenant")
        s.add(TenantDomain(host=host, tenant_id=tenant.id, verified=True))
    s.flush()
    return tenant
