"""Tenant administration API and the per-host theme the web app loads at start."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from flowai.core import auth, mail
from flowai.core.auth import Principal
from flowai.core.auth_api import link_base
from flowai.core.context import AppContext
from flowai.core.db import utcnow
from flowai.core.deps import DB, PUBLIC, Admin, Ctx, PlatformAdmin, Tenant, client_ip
from flowai.core.errors import field_error, not_found
from flowai.core.jobs_api import job_out
from flowai.core.models import Invite, TenantDomain, User
from flowai.core.models import Tenant as TenantRow
from flowai.core.pagination import page
from flowai.core.schemas import InviteCreated, InviteIn, InviteOut, JobOut, Page
from flowai.core.tenancy import TenantInfo
from flowai.core.uploads import body_chunks
from flowai.enterprise import brand_assets, domains, service, theming
from flowai.enterprise.models import AuditEntry
from flowai.enterprise.schemas import (
    AuditOut,
    BrandPatch,
    DomainIn,
    DomainOut,
    MemberOut,
    RoleIn,
    TenantIn,
    TenantOut,
)
from flowai.enterprise.webhooks import service as webhooks

router = APIRouter(tags=["tenant"])


@router.get("/v1/tenant/theme", dependencies=PUBLIC)
def theme(tenant: Tenant) -> dict[str, object]:
    return theming.theme_json(tenant)


@router.get("/theme.css", include_in_schema=False, dependencies=PUBLIC)
def theme_css(tenant: Tenant) -> Response:
    return Response(theming.theme_css(tenant), media_type="text/css", headers={"Cache-Control": "no-cache"})


@router.get("/v1/tenant/logo", dependencies=PUBLIC)
def logo(tenant: Tenant, ctx: Ctx) -> Response:
    key, fmt = theming.brand_of(tenant).get("logo_key"), str(tenant.brand.get("logo_format"))
    if key:
        media_type = brand_assets.IMAGES.get(fmt, "application/octet-stream")  # the sniffed type
        url = ctx.storage.download_url(str(key), filename=f"logo.{fmt}", content_type=media_type)
        return RedirectResponse(url, status_code=307)
    return Response(
        theming.default_logo_svg(tenant), media_type="image/svg+xml", headers={"Cache-Control": "no-cache"}
    )


@router.get("/v1/tenant/favicon", dependencies=PUBLIC)
def favicon(tenant: Tenant, ctx: Ctx, v: str | None = None) -> Response:
    """The uploaded favicon, else the logo (the default logo is a monogram in the brand colours)."""
    return _served_file(tenant, ctx, "favicon", v) or RedirectResponse("/v1/tenant/logo", status_code=307)


@router.get("/v1/tenant/font", dependencies=PUBLIC)
def font(tenant: Tenant, ctx: Ctx, v: str | None = None) -> Response:
    response = _served_file(tenant, ctx, "font", v)
    if response is None:
        raise not_found("Brand font")
    return response


def _served_file(tenant: TenantInfo, ctx: AppContext, name: str, v: str | None) -> Response | None:
    """Served from the tenant's host (a font from another origin would need CORS); the URL with
    the upload's `?v=` never changes content, so browsers may keep it."""
    key, fmt = tenant.brand.get(f"{name}_key"), tenant.brand.get(f"{name}_format")
    if not key or fmt not in brand_assets.KINDS[name].formats:
        return None
    with ctx.storage.open(str(key)) as f:
        body = f.read()
    current = v == brand_assets.version(str(key))
    return Response(
        body,
        media_type=brand_assets.KINDS[name].formats[str(fmt)],
        headers={"Cache-Control": "public, max-age=31536000, immutable" if current else "no-cache"},
    )


def tenant_out(row: TenantRow) -> TenantOut:
    return TenantOut(
        id=row.id,
        slug=row.slug,
        name=row.name,
        plan=row.plan,
        brand=row.brand,
        features=row.features,
        isolation="schema" if row.db_schema else "shared",
        created_at=row.created_at,
    )


def domain_out(row: TenantDomain) -> DomainOut:
    pending = not row.verified and row.verification_token
    return DomainOut(
        host=row.host,
        kind=row.kind,
        verified=row.verified,
        verified_at=row.verified_at,
        txt_record=domains.record_name(row.host) if pending else None,
        txt_value=row.verification_token if pending else None,
        last_checked_at=row.last_checked_at,
        last_error=row.last_error,
    )


@router.get("/v1/tenant", response_model=TenantOut)
def get_tenant(_: Admin, tenant: Tenant, ctx: Ctx) -> TenantOut:
    return _current(ctx, tenant.id)


def _current(ctx: AppContext, tenant_id: str) -> TenantOut:
    with ctx.db.session(system=True) as s:
        row = s.get(TenantRow, tenant_id)
        assert row is not None
        return tenant_out(row)


@router.patch("/v1/tenant", response_model=TenantOut)
def patch_tenant(
    body: BrandPatch, request: Request, principal: Admin, tenant: Tenant, ctx: Ctx, s: DB
) -> TenantOut:
    """Change the brand; text colours under WCAG AA contrast are refused with the ratio."""
    changes = body.model_dump(exclude_unset=True)
    row = service.update_brand(ctx.db, tenant_id=tenant.id, changes=changes)
    service.audit(
        s, actor_id=principal.user_id, action="tenant.brand.updated", data=changes, ip=client_ip(request)
    )
    ctx.tenants.invalidate()
    return tenant_out(row)


def _replace_brand_file(
    request: Request, principal: Principal, tenant: TenantInfo, ctx: AppContext, s: Session,
    kind: brand_assets.AssetKind, fields: dict[str, str | None],
) -> TenantOut:  # fmt: skip
    old = theming.brand_of(tenant).get(f"{kind.name}_key")
    row = service.update_brand(ctx.db, tenant_id=tenant.id, changes=fields)
    action = f"tenant.{kind.name}.{'updated' if fields[f'{kind.name}_key'] else 'removed'}"
    service.audit(
        s, actor_id=principal.user_id, action=action, target=fields[f"{kind.name}_key"] or old,
        data={k: v for k, v in fields.items() if not k.endswith("_key")}, ip=client_ip(request),
    )  # fmt: skip
    ctx.tenants.invalidate()
    if old:
        ctx.storage.delete(str(old))
    return tenant_out(row)


def _brand_file_routes(kind: brand_assets.AssetKind) -> None:
    async def upload(
        request: Request, principal: Admin, tenant: Tenant, ctx: Ctx, s: DB, filename: str | None = None
    ) -> TenantOut:
        fields = await brand_assets.save(ctx.storage, tenant.id, kind, body_chunks(request), filename)
        return _replace_brand_file(request, principal, tenant, ctx, s, kind, fields)

    def remove(request: Request, principal: Admin, tenant: Tenant, ctx: Ctx, s: DB) -> TenantOut:
        if not theming.brand_of(tenant).get(f"{kind.name}_key"):
            return _current(ctx, tenant.id)  # nothing uploaded: nothing to change or audit
        return _replace_brand_file(request, principal, tenant, ctx, s, kind, brand_assets.cleared(kind))

    upload.__doc__ = (
        f"The raw file as the body ({kind.describe()}; up to {kind.limit_text}; checked by content)."
    )
    remove.__doc__ = f"Remove the uploaded {kind.name} (back to the default)."
    router.put(f"/v1/tenant/{kind.name}", response_model=TenantOut, name=f"put_{kind.name}")(upload)
    router.delete(f"/v1/tenant/{kind.name}", response_model=TenantOut, name=f"delete_{kind.name}")(remove)


for _kind in brand_assets.KINDS.values():
    _brand_file_routes(_kind)


@router.get("/v1/tenant/domains", response_model=list[DomainOut])
def get_domains(_: Admin, tenant: Tenant, ctx: Ctx) -> list[DomainOut]:
    return [domain_out(d) for d in service.list_domains(ctx.db, tenant_id=tenant.id)]


@router.post("/v1/tenant/domains", response_model=DomainOut, status_code=201)
def add_domain(
    body: DomainIn, request: Request, principal: Admin, tenant: Tenant, ctx: Ctx, s: DB
) -> DomainOut:
    """Claim a custom domain; it serves the workspace once its TXT record verifies."""
    row = service.add_domain(ctx.db, tenant_id=tenant.id, host=body.host)
    service.audit(
        s, actor_id=principal.user_id, action="tenant.domain.added", target=row.host, ip=client_ip(request)
    )
    return domain_out(row)


@router.post("/v1/tenant/domains/{host}/verify", response_model=DomainOut)
def verify_domain(
    host: str, request: Request, principal: Admin, tenant: Tenant, ctx: Ctx, s: DB
) -> DomainOut:
    row = service.verify_domain(ctx.db, tenant_id=tenant.id, host=host, dns_server=ctx.settings.dns_resolver)
    if row.verified:
        service.audit(
            s,
            actor_id=principal.user_id,
            action="tenant.domain.verified",
            target=row.host,
            ip=client_ip(request),
        )
        ctx.tenants.invalidate()
        webhooks.emit(s, tenant.id, "tenant.domain.verified", {"host": row.host}, jobs=ctx.jobs)
    return domain_out(row)


@router.delete("/v1/tenant/domains/{host}", status_code=204)
def delete_domain(host: str, request: Request, principal: Admin, tenant: Tenant, ctx: Ctx, s: DB) -> Response:
    service.remove_domain(ctx.db, tenant_id=tenant.id, host=host)
    service.audit(
        s, actor_id=principal.user_id, action="tenant.domain.removed", target=host, ip=client_ip(request)
    )
    ctx.tenants.invalidate()
    return Response(status_code=204)


@router.get("/v1/tenant/users", response_model=Page[MemberOut])
def members(
    _: Admin, s: DB, limit: Annotated[int, Query(ge=1, le=200)] = 100, cursor: str | None = None
) -> Page[MemberOut]:
    rows, nxt = page(s, select(User), User.id, limit=limit, cursor=cursor)
    return Page(items=[_member(u) for u in rows], next_cursor=nxt)


def _member(u: User) -> MemberOut:
    return MemberOut(
        id=u.id,
        email=u.email,
        display_name=u.profile.display_name,
        role=u.role,
        created_at=u.created_at,
        last_login_at=u.last_login_at,
    )


@router.patch("/v1/tenant/users/{user_id}", response_model=MemberOut)
def set_role(user_id: str, body: RoleIn, request: Request, principal: Admin, s: DB) -> MemberOut:
    user = service.set_role(s, user_id=user_id, role=body.role, actor_id=principal.user_id)
    service.audit(
        s,
        actor_id=principal.user_id,
        action="tenant.user.role",
        target=user.id,
        data={"role": body.role},
        ip=client_ip(request),
    )
    return _member(user)


@router.get("/v1/tenant/invites", response_model=Page[InviteOut])
def list_invites(
    _: Admin, s: DB, limit: Annotated[int, Query(ge=1, le=200)] = 100, cursor: str | None = None
) -> Page[InviteOut]:
    """Invitations not yet accepted, withdrawn or expired."""
    stmt = select(Invite).where(
        Invite.accepted_at.is_(None), Invite.revoked_at.is_(None), Invite.expires_at > utcnow()
    )
    rows, nxt = page(s, stmt, Invite.id, limit=limit, cursor=cursor)
    return Page(items=[InviteOut.model_validate(r, from_attributes=True) for r in rows], next_cursor=nxt)


@router.post("/v1/tenant/invites", response_model=InviteCreated, status_code=201)
def create_invite(
    body: InviteIn, request: Request, principal: Admin, tenant: Tenant, ctx: Ctx, s: DB
) -> InviteCreated:
    """Invite someone by email with a role; the link is mailed (and shown here once)."""
    row, token = auth.create_invite(s, email=str(body.email), role=body.role, invited_by=principal.user_id)
    link = f"{link_base(request, ctx)}/invite?token={token}"
    days = int(auth.INVITE_TTL.total_seconds() // 86400)
    mail.notify(
        ctx.jobs,
        s,
        to=[row.email],
        subject=f"You are invited to {tenant.name}",
        body=(
            f"You are invited to join {tenant.name} on FlowAI as {'an admin' if row.role == 'admin' else 'a member'}.\n\n"
            f"Accept the invitation here (the link works once, for {days} days):\n{link}\n"
        ),
        secret=True,
    )
    service.audit(
        s,
        actor_id=principal.user_id,
        action="tenant.invite.created",
        target=row.email,
        data={"role": row.role, "invite_id": row.id},
        ip=client_ip(request),
    )
    return InviteCreated(**InviteOut.model_validate(row, from_attributes=True).model_dump(), link=link)


@router.delete("/v1/tenant/invites/{invite_id}", status_code=204)
def revoke_invite(invite_id: str, request: Request, principal: Admin, s: DB) -> Response:
    auth.revoke_invite(s, invite_id=invite_id)
    service.audit(
        s, actor_id=principal.user_id, action="tenant.invite.revoked", target=invite_id, ip=client_ip(request)
    )
    return Response(status_code=204)


@router.get("/v1/tenant/audit", response_model=Page[AuditOut])
def audit_log(
    _: Admin, s: DB, limit: Annotated[int, Query(ge=1, le=200)] = 50, cursor: str | None = None
) -> Page[AuditOut]:
    rows, nxt = page(s, select(AuditEntry), AuditEntry.id, limit=limit, cursor=cursor)
    return Page(items=[AuditOut.model_validate(r, from_attributes=True) for r in rows], next_cursor=nxt)


@router.get("/v1/tenant/usage")
def usage(_: Admin, s: DB) -> dict[str, Any]:
    return service.usage(s)


# --- platform administration: the owners and admins of the default `flowai` workspace -------
# (the `platform` scope checks the role and that the request came to the platform's own host)


@router.get("/v1/platform/tenants", response_model=list[TenantOut])
def list_tenants(_: PlatformAdmin, ctx: Ctx) -> list[TenantOut]:
    with ctx.db.session(system=True) as s:
        return [tenant_out(t) for t in s.execute(select(TenantRow).order_by(TenantRow.slug)).scalars()]


@router.post("/v1/platform/tenants", response_model=TenantOut, status_code=201)
def create_tenant(body: TenantIn, request: Request, principal: PlatformAdmin, ctx: Ctx, s: DB) -> TenantOut:
    """Provision a tenant: `<slug>.<FLOWAI_BASE_DOMAIN>` serves it at once; optionally its first owner."""
    row = service.create_with_owner(
        ctx.db,
        slug=body.slug,
        name=body.name,
        base_domain=ctx.settings.base_domain,
        plan=body.plan,
        owner_email=body.owner_email,
        owner_password=body.owner_password,
        isolation=body.isolation,
    )
    service.audit(
        s,
        actor_id=principal.user_id,
        action="platform.tenant.created",
        target=row.slug,
        ip=client_ip(request),
    )
    ctx.tenants.invalidate()
    return tenant_out(row)


@router.delete("/v1/platform/tenants/{slug}", status_code=202, response_model=JobOut)
def delete_tenant(
    slug: str, request: Request, response: Response, principal: PlatformAdmin, tenant: Tenant, ctx: Ctx, s: DB
) -> JobOut:
    """Export the tenant's data to a downloadable archive, then purge its rows and media (a job)."""
    if slug == tenant.slug:
        raise field_error(409, "platform-tenant", "slug", "the platform's own workspace cannot be deleted")
    with ctx.db.session(system=True) as sys_s:
        target = sys_s.execute(select(TenantRow).where(TenantRow.slug == slug)).scalar_one_or_none()
    if target is None:
        raise not_found("Tenant")
    job = ctx.jobs.submit(
        tenant_id=tenant.id,
        kind="enterprise.delete_tenant",
        payload={"tenant_id": target.id, "slug": slug},
        owner_id=principal.user_id,
        idempotency_key=request.headers.get("idempotency-key") or f"delete-tenant:{target.id}",
    )
    service.audit(
        s, actor_id=principal.user_id, action="platform.tenant.deleted", target=slug, ip=client_ip(request)
    )
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return job_out(job)
