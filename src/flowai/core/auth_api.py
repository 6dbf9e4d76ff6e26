"""Sign-up, login, logout, the current user, and API keys (thin: the logic is in auth.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import select

from flowai.core import auth
from flowai.core.db import utcnow
from flowai.core.deps import (
    CSRF_COOKIE,
    DB,
    PUBLIC,
    SESSION_COOKIE,
    Ctx,
    Reader,
    SignedInUser,
    Tenant,
    check_csrf,
    client_ip,
)
from flowai.core.errors import Problem, not_found
from flowai.core.models import ApiKey, User
from flowai.core.pagination import page
from flowai.core.schemas import (
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    CsrfOut,
    LoginIn,
    Page,
    RotateIn,
    SignupIn,
    TenantRef,
    UserOut,
)
from flowai.core.security import new_token
from flowai.core.tenancy import TenantInfo

router = APIRouter(prefix="/v1", tags=["auth"])


def user_out(user: User, tenant: TenantInfo) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        display_name=user.profile.display_name,
        avatar_url=None,
        role=user.role,
        tenant=TenantRef(slug=tenant.slug, name=tenant.name),
        voice_clone_id=user.profile.voice_clone_id,
        voice_clone_status=user.profile.voice_clone_status or "none",
        created_at=user.created_at,
    )


def _set_session_cookie(response: Response, ctx: Ctx, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=ctx.settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=ctx.settings.cookie_secure,
        path="/",
    )


@router.get("/auth/csrf", response_model=CsrfOut, dependencies=PUBLIC)
def csrf(request: Request, response: Response, ctx: Ctx) -> CsrfOut:
    """Issue the double-submit CSRF token (also as the readable `flowai_csrf` cookie)."""
    token = request.cookies.get(CSRF_COOKIE) or new_token()
    response.set_cookie(
        CSRF_COOKIE,
        token,
        httponly=False,
        samesite="strict",
        secure=ctx.settings.cookie_secure,
        path="/",
    )
    return CsrfOut(csrf_token=token)


@router.post(
    "/auth/signup", status_code=201, response_model=UserOut, dependencies=[*PUBLIC, Depends(check_csrf)]
)
def signup(body: SignupIn, request: Request, response: Response, ctx: Ctx, tenant: Tenant, s: DB) -> UserOut:
    user = auth.create_user(s, email=body.email, password=body.password, display_name=body.display_name)
    token = auth.start_session(
        s,
        user=user,
        days=ctx.settings.session_days,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    _set_session_cookie(response, ctx, token)
    return user_out(user, tenant)


@router.post("/auth/login", response_model=UserOut, dependencies=[*PUBLIC, Depends(check_csrf)])
def login(body: LoginIn, request: Request, response: Response, ctx: Ctx, tenant: Tenant, s: DB) -> UserOut:
    account = f"login:{tenant.id}:email:{auth.normalise_email(body.email)}"
    per_source, per_account = ctx.login_limits
    checks = [(per_source, f"{account}:ip:{client_ip(request) or 'unknown'}"), (per_account, account)]
    limiter = ctx.login_limiter
    for limit, key in checks:
        if not limiter.test(limit, key):
            reset = limiter.get_window_stats(limit, key).reset_time
            retry = max(1, int(reset - utcnow().timestamp()) + 1)
            raise Problem(
                429,
                "too-many-login-attempts",
                f"Too many failed sign-in attempts. Try again in {retry} seconds.",
                headers={"Retry-After": str(retry)},
            )
    user = auth.authenticate(s, email=body.email, password=body.password)
    if user is None:
        for limit, key in checks:
            limiter.hit(limit, key)
        raise Problem(401, "invalid-credentials", "Wrong email or password.")
    token = auth.start_session(
        s,
        user=user,
        days=ctx.settings.session_days,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    _set_session_cookie(response, ctx, token)
    return user_out(user, tenant)


@router.post("/auth/logout", status_code=204, dependencies=[*PUBLIC, Depends(check_csrf)])
def logout(request: Request, s: DB) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        auth.end_session(s, token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_model=UserOut)
def me(principal: Reader, tenant: Tenant, s: DB) -> UserOut:
    user = s.get(User, principal.user_id)
    if user is None:
        raise not_found("User")
    return user_out(user, tenant)


def key_out(row: ApiKey) -> ApiKeyOut:
    return ApiKeyOut(
        id=row.id,
        name=row.name,
        prefix=f"fla_{row.id}",
        scopes=row.scopes,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
        created_at=row.created_at,
    )


@router.get("/apikeys", response_model=Page[ApiKeyOut])
def list_keys(
    principal: Reader,
    s: DB,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: str | None = None,
) -> Page[ApiKeyOut]:
    stmt = select(ApiKey).where(ApiKey.user_id == principal.user_id)
    rows, nxt = page(s, stmt, ApiKey.id, limit=limit, cursor=cursor)
    return Page(items=[key_out(r) for r in rows], next_cursor=nxt)


@router.post("/apikeys", status_code=201, response_model=ApiKeyCreated)
def create_key(body: ApiKeyIn, principal: SignedInUser, tenant: Tenant, s: DB) -> ApiKeyCreated:
    """`admin` and `platform` are given only when asked for, and only to admins."""
    user = s.get(User, principal.user_id)
    if user is None:
        raise not_found("User")
    expires = utcnow() + timedelta(days=body.expires_in_days) if body.expires_in_days else None
    row, plaintext = auth.create_api_key(
        s, user=user, name=body.name, scopes=body.scopes, expires_at=expires, tenant_slug=tenant.slug
    )
    return ApiKeyCreated(**key_out(row).model_dump(), key=plaintext)


@router.post("/apikeys/{key_id}/rotate", status_code=201, response_model=ApiKeyCreated)
def rotate_key(key_id: str, body: RotateIn, principal: SignedInUser, tenant: Tenant, s: DB) -> ApiKeyCreated:
    """Issue a replacement key; the old one expires after the overlap window so deploys can roll."""
    row = s.get(ApiKey, key_id)
    user = s.get(User, principal.user_id)
    if row is None or user is None or row.user_id != principal.user_id:
        raise not_found("API key")
    new, plaintext = auth.rotate_api_key(
        s, key=row, user=user, overlap=timedelta(hours=body.overlap_hours), tenant_slug=tenant.slug
    )
    return ApiKeyCreated(**key_out(new).model_dump(), key=plaintext)


@router.delete("/apikeys/{key_id}", status_code=204)
def revoke_key(key_id: str, principal: SignedInUser, s: DB) -> Response:
    row = s.get(ApiKey, key_id)
    if row is None or row.user_id != principal.user_id:
        raise not_found("API key")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return Response(status_code=204)
