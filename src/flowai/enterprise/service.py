"""Tenant administration: provisioning, brand, custom domains, members, audit.

`tenants` and `tenant_domains` are routing metadata: the app's database role may only read
them, so writes here go through explicit system sessions. Every admin change is audited in the
tenant's own `audit_log`.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from flowai.core.auth import ROLES, create_user
from flowai.core.db import Database, utcnow
from flowai.core.errors import Problem, field_error, not_found
from flowai.core.models import DEFAULT_BRAND, Job, StoredFile, Tenant, TenantDomain, User
from flowai.core.tenancy import normalise_host
from flowai.enterprise import contrast, domains
from flowai.enterprise import isolation as isolation_modes
from flowai.enterprise.models import AuditEntry

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
HOST = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")
HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
FONT = re.compile(r"^[A-Za-z0-9 ,'\"-]{1,200}$")
FEATURES = ("voice", "editor", "shares", "admin")
COLOR_NAMES = ("primary", "secondary", "background", "surface", "text", "muted")
PLANS = ("free", "pro", "enterprise")
BRAND_FILE_FIELDS = tuple(f"{a}_{f}" for a in ("logo", "favicon", "font") for f in ("key", "format")) + (
    "font_filename",
)


def create(
    s: Session,
    *,
    slug: str,
    name: str,
    base_domain: str,
    hosts: list[str] | None = None,
    plan: str = "free",
    isolation: str = "shared",
    db: Database | None = None,
) -> Tenant:
    """Create a tenant served at once on `<slug>.<base_domain>` (and any extra pre-verified hosts).

    `isolation="schema"` (PostgreSQL, needs `db`) creates and migrates the tenant's own schema in
    the same transaction, so a failed provisioning leaves neither the row nor the schema.
    """
    if not SLUG.match(slug):
        raise field_error(422, "validation", "slug", "use 1–63 lowercase letters, digits and inner hyphens")
    if plan not in PLANS:
        raise field_error(422, "validation", "plan", f"must be one of {', '.join(PLANS)}")
    if isolation not in isolation_modes.MODES:
        raise field_error(
            422, "validation", "isolation", f"must be one of {', '.join(isolation_modes.MODES)}"
        )
    if s.execute(select(Tenant).where(Tenant.slug == slug)).scalar_one_or_none():
        raise field_error(409, "slug-taken", "slug", f"tenant {slug!r} already exists")
    tenant = Tenant(slug=slug, name=name.strip() or slug, plan=plan)
    if isolation == "schema":
        if db is None:
            raise ValueError("schema isolation needs the Database")
        tenant.db_schema = isolation_modes.create_schema(s.connection(), db, slug)
    s.add(tenant)
    s.flush()
    for host in [f"{slug}.{base_domain}", *(hosts or [])]:
        host = normalise_host(host)
        if s.get(TenantDomain, host):
            raise field_error(409, "host-taken", "hosts", f"{host} already serves a workspace")
        s.add(
            TenantDomain(
                host=host, tenant_id=tenant.id, verified=True, kind="subdomain", verified_at=utcnow()
            )
        )
    s.flush()
    return tenant


def create_with_owner(
    db: Database,
    *,
    slug: str,
    name: str,
    base_domain: str,
    plan: str,
    owner_email: str | None,
    owner_password: str | None,
    isolation: str = "shared",
) -> Tenant:
    with db.transaction(system=True) as s:
        tenant = create(
            s, slug=slug, name=name, base_domain=base_domain, plan=plan, isolation=isolation, db=db
        )
    if owner_email:
        with db.transaction(tenant_id=tenant.id) as s:
            create_user(
                s,
                email=owner_email,
                password=owner_password,
                display_name=owner_email.split("@")[0],
                role="owner",
            )
    return tenant


def audit(
    s: Session,
    *,
    actor_id: str | None,
    action: str,
    target: str | None = None,
    data: dict[str, Any] | None = None,
    ip: str | None = None,
) -> None:
    s.add(AuditEntry(actor_id=actor_id, action=action, target=target, data=data or {}, ip=ip))


def update_brand(db: Database, *, tenant_id: str, changes: dict[str, Any]) -> Tenant:
    """Apply name/colours/font/features/plan-free changes; refuse unreadable colour pairs (WCAG AA)."""
    with db.transaction(system=True) as s:
        tenant = s.get(Tenant, tenant_id)
        if tenant is None:
            raise not_found("Tenant")
        brand = {**DEFAULT_BRAND, **tenant.brand}
        colors = {**DEFAULT_BRAND["colors"], **(brand.get("colors") or {})}
        for key, value in (changes.get("colors") or {}).items():
            if key not in COLOR_NAMES:
                raise field_error(
                    422, "validation", f"colors.{key}", f"unknown colour; use {', '.join(COLOR_NAMES)}"
                )
            if not HEX.match(str(value)):
                raise field_error(422, "validation", f"colors.{key}", "use a #rrggbb hex colour")
            colors[key] = str(value).lower()
        for surface in ("background", "surface"):
            r = contrast.ratio(colors["text"], colors[surface])
            if r < contrast.AA_NORMAL_TEXT:
                raise field_error(
                    422,
                    "low-contrast",
                    "colors.text",
                    f"text {colors['text']} on {surface} {colors[surface]} has contrast {r:.2f}:1; "
                    f"WCAG AA needs at least {contrast.AA_NORMAL_TEXT}:1",
                )
        brand["colors"] = colors
        if "font_family" in changes and changes["font_family"] is not None:
            font = str(changes["font_family"])
            if not FONT.match(font):
                raise field_error(
                    422,
                    "validation",
                    "font_family",
                    "letters, digits, spaces, commas, quotes and hyphens only",
                )
            brand["font_family"] = font
        for name in BRAND_FILE_FIELDS:  # set by the upload endpoints, never by PATCH
            if name in changes:
                brand[name] = changes[name]
        if changes.get("features") is not None:
            unknown = sorted(set(changes["features"]) - set(FEATURES))
            if unknown:
                raise field_error(
                    422, "validation", "features", f"unknown: {', '.join(unknown)}; use {', '.join(FEATURES)}"
                )
            tenant.features = [f for f in FEATURES if f in changes["features"]]
        if changes.get("name"):
            tenant.name = str(changes["name"]).strip()[:200]
        tenant.brand = brand
        return tenant


def add_domain(db: Database, *, tenant_id: str, host: str) -> TenantDomain:
    host = normalise_host(host)
    if not HOST.match(host):
        raise field_error(422, "validation", "host", "a domain name such as ai.example.com")
    with db.transaction(system=True) as s:
        if s.get(TenantDomain, host):
            raise field_error(409, "host-taken", "host", f"{host} is already claimed by a workspace")
        row = TenantDomain(
            host=host,
            tenant_id=tenant_id,
            verified=False,
            kind="custom",
            verification_token=domains.new_token(),
        )
        s.add(row)
        return row


def list_domains(db: Database, *, tenant_id: str) -> list[TenantDomain]:
    with db.session(system=True) as s:
        return list(
            s.execute(
                select(TenantDomain).where(TenantDomain.tenant_id == tenant_id).order_by(TenantDomain.host)
            ).scalars()
        )


def _own_domain(s: Session, tenant_id: str, host: str) -> TenantDomain:
    row = s.get(TenantDomain, normalise_host(host))
    if row is None or row.tenant_id != tenant_id:
        raise not_found("Domain")
    return row


def verify_domain(db: Database, *, tenant_id: str, host: str, dns_server: str | None) -> TenantDomain:
    with db.transaction(system=True) as s:
        row = _own_domain(s, tenant_id, host)
        if row.verified:
            return row
        ok, reason = domains.check(row.host, row.verification_token or "", dns_server)
        row.last_checked_at = utcnow()
        row.last_error = reason
        if ok:
            row.verified, row.verified_at = True, utcnow()
        return row


def remove_domain(db: Database, *, tenant_id: str, host: str) -> None:
    with db.transaction(system=True) as s:
        row = _own_domain(s, tenant_id, host)
        if row.kind == "subdomain":
            raise Problem(409, "subdomain-fixed", "The workspace's own subdomain cannot be removed.")
        s.delete(row)


def set_role(s: Session, *, user_id: str, role: str, actor_id: str) -> User:
    if role not in ROLES:
        raise field_error(422, "validation", "role", f"must be one of {', '.join(ROLES)}")
    user = s.get(User, user_id)
    if user is None:
        raise not_found("User")
    if user.id == actor_id and role != user.role:
        raise Problem(409, "own-role", "You cannot change your own role; ask another owner.")
    if user.role == "owner" and role != "owner":
        owners = s.execute(select(func.count()).select_from(User).where(User.role == "owner")).scalar_one()
        if owners <= 1:
            raise Problem(409, "last-owner", "A workspace needs at least one owner.")
    user.role = role
    return user


def usage(s: Session) -> dict[str, Any]:
    """What the tenant uses now: members, jobs by status, stored bytes."""
    jobs = dict(s.execute(select(Job.status, func.count()).group_by(Job.status)).all())
    return {
        "users": s.execute(select(func.count()).select_from(User)).scalar_one(),
        "jobs": {str(k): int(v) for k, v in jobs.items()},
        "storage_bytes": int(s.execute(select(func.coalesce(func.sum(StoredFile.size), 0))).scalar_one()),
        "files": s.execute(select(func.count()).select_from(StoredFile)).scalar_one(),
    }
