"""Sign-up, login, logout, the current user, and API keys (thin: the logic is in auth.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Query, Request, Response
from limits import parse
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
    AcceptInviteIn,
    ApiKeyCreated,
    ApiKeyIn,
    ApiKeyOut,
    CapabilitiesOut,
    CsrfOut,
    EditorCapabilities,
    ForgotIn,
    InviteInfo,
    InviteTokenIn,
    LoginIn,
    MessageOut,
    Page,
    ResetIn,
    RotateIn,
    SharesCapabilities,
    SignupIn,
    TenantRef,
    UserOut,
    VoiceCapabilities,
)
from flowai.core.security import new_token
from flowai.core.tenancy import TenantInfo, normalise_host

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


def _sign_in(s: DB, user: User, request: Request, response: Response, ctx: Ctx) -> None:
    """Start a session for `user` and hand this browser its cookie."""
    token = auth.start_session(
        s,
        user=user,
        days=ctx.settings.session_days,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    _set_session_cookie(response, ctx, token)


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
    _sign_in(s, user, request, response, ctx)
    return user_out(user, tenant)


@router.post("/auth/login", response_model=UserOut, dependencies=[*PUBLIC, Depends(check_csrf)])
def login(body: LoginIn, request: Request, response: Response, ctx: Ctx, tenant: Tenant, s: DB) -> UserOut:
    attempts = _password_attempts(ctx, tenant, request, body.email)
    user = auth.authenticate(s, email=body.email, password=body.password)
    if user is None:
        _count_failed(ctx, attempts)
        raise Problem(401, "invalid-credentials", "Wrong email or password.")
    _sign_in(s, user, request, response, ctx)
    return user_out(user, tenant)


def _password_attempts(ctx: Ctx, tenant: Tenant, request: Request, email: str) -> list[tuple[Any, str]]:
    """The windows a password tried for this account counts in (per account and source, per
    account); 429 while one is spent. Sign-in and accepting an invite to an existing account
    share them, so neither is a way around the other."""
    account = f"login:{tenant.id}:email:{auth.normalise_email(email)}"
    per_source, per_account = ctx.login_limits
    attempts = [(per_source, f"{account}:ip:{client_ip(request) or 'unknown'}"), (per_account, account)]
    for limit, key in attempts:
        if not ctx.login_limiter.test(limit, key):
            reset = ctx.login_limiter.get_window_stats(limit, key).reset_time
            retry = max(1, int(reset - utcnow().timestamp()) + 1)
            raise Problem(
                429,
                "too-many-login-attempts",
                f"Too many failed sign-in attempts. Try again in {retry} seconds.",
                headers={"Retry-After": str(retry)},
            )
    return attempts


def _count_failed(ctx: Ctx, attempts: list[tuple[Any, str]]) -> None:
    for limit, key in attempts:
        ctx.login_limiter.hit(limit, key)


# A forgot-password request mails someone: at most 5 an hour for one address, 20 from one IP.
FORGOT_LIMITS = (parse("5/hour"), parse("20/hour"))
FORGOT_ANSWER = (
    "If an account with this email exists here, a link to choose a new password is on its way. "
    "It works once, for one hour."
)


def link_base(request: Request, ctx: Ctx) -> str:
    """`scheme://host[:port]` of links mailed from this request: the host is the request's own
    (a tenant's address, known because it resolved), scheme and port come from FLOWAI_PUBLIC_URL."""
    public = urlsplit(ctx.settings.public_url)
    host = normalise_host(request.headers.get("host", "")) or (public.hostname or "localhost")
    if ":" in host:
        host = f"[{host}]"
    return f"{public.scheme or 'http'}://{host}" + (f":{public.port}" if public.port else "")


@router.post(
    "/auth/password/forgot",
    status_code=202,
    response_model=MessageOut,
    dependencies=[*PUBLIC, Depends(check_csrf)],
)
def forgot_password(body: ForgotIn, request: Request, ctx: Ctx, tenant: Tenant, s: DB) -> MessageOut:
    """Mail a reset link. The answer is the same whether or not the email has an account (the
    lookup, the token and the mail happen in a job), so it cannot tell who has one."""
    email = auth.normalise_email(str(body.email))
    per_email, per_ip = FORGOT_LIMITS
    checks = [
        (per_email, f"forgot:{tenant.id}:email:{email}"),
        (per_ip, f"forgot:ip:{client_ip(request) or 'unknown'}"),
    ]
    for limit, key in checks:
        if not ctx.login_limiter.hit(limit, key):
            reset = ctx.login_limiter.get_window_stats(limit, key).reset_time
            retry = max(1, int(reset - utcnow().timestamp()) + 1)
            raise Problem(
                429,
                "too-many-reset-requests",
                f"Too many password reset requests. Try again in {retry} seconds.",
                headers={"Retry-After": str(retry)},
            )
    ctx.jobs.enqueue_in(
        s,
        kind="core.send_password_reset",
        payload={"email": email, "base_url": link_base(request, ctx), "workspace": tenant.name},
    )
    return MessageOut(detail=FORGOT_ANSWER)


@router.post("/auth/password/reset", response_model=UserOut, dependencies=[*PUBLIC, Depends(check_csrf)])
def reset_password(
    body: ResetIn, request: Request, response: Response, ctx: Ctx, tenant: Tenant, s: DB
) -> UserOut:
    """Choose a new password with the emailed token; every other session of the account ends and
    this browser is signed in."""
    user = auth.reset_password(s, token=body.token, password=body.password)
    _sign_in(s, user, request, response, ctx)
    return user_out(user, tenant)


@router.post("/auth/invites/lookup", response_model=InviteInfo, dependencies=[*PUBLIC, Depends(check_csrf)])
def lookup_invite(body: InviteTokenIn, tenant: Tenant, s: DB) -> InviteInfo:
    """What an invitation link offers (for the accept page): a POST, so the token stays out of URLs
    and logs."""
    invite = auth.pending_invite(s, token=body.token)
    exists = s.execute(select(User.id).where(User.email == invite.email)).first() is not None
    return InviteInfo(
        email=invite.email,
        role=invite.role,
        workspace=tenant.name,
        account_exists=exists,
        expires_at=invite.expires_at,
    )


@router.post("/auth/invites/accept", response_model=UserOut, dependencies=[*PUBLIC, Depends(check_csrf)])
def accept_invite(
    body: AcceptInviteIn, request: Request, response: Response, ctx: Ctx, tenant: Tenant, s: DB
) -> UserOut:
    """Join the workspace: creates the invited account (or signs in to the existing one, a password
    attempt that counts with sign-in's)."""
    invite = auth.pending_invite(s, token=body.token)
    attempts = _password_attempts(ctx, tenant, request, invite.email)
    try:
        user = auth.accept_invite(s, invite=invite, password=body.password, display_name=body.display_name)
    except Problem as problem:
        if problem.status == 401:
            _count_failed(ctx, attempts)
        raise
    _sign_in(s, user, request, response, ctx)
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


@router.get("/capabilities", response_model=CapabilitiesOut)
def capabilities(principal: Reader, ctx: Ctx, tenant: Tenant, s: DB) -> CapabilitiesOut:
    """Which features this workspace has switched on and what this caller can do with them (is a
    voice cloned, can narration be made, is a chain configured), read from settings and the
    caller's profile without calling any engine."""
    user = s.get(User, principal.user_id)
    if user is None:
        raise not_found("User")
    settings, on, held = ctx.settings, set(tenant.features), principal.scopes
    voice = "voice" in on
    engine_ready = settings.voice_engine != "elevenlabs" or settings.elevenlabs_api_key is not None
    chain = "rpc" if settings.chain_rpc_url else ("dev" if settings.chain_autostart else "none")
    shares = "shares" in on
    status = user.profile.voice_clone_status or "none"
    return CapabilitiesOut(
        role=principal.role,
        scopes=sorted(held),
        admin="admin" in on and principal.is_admin and "admin" in held,
        voice=VoiceCapabilities(
            enabled=voice,
            tts=voice and engine_ready and "voice:write" in held,
            engine=settings.voice_engine,
            clone_status=status,
            cloned=voice and status == "ready",
        ),
        editor=EditorCapabilities(enabled="editor" in on, export="editor" in on and "exports:write" in held),
        shares=SharesCapabilities(
            enabled=shares,
            chain_configured=chain != "none",
            chain=chain,
            chain_id=settings.chain_id,
            offer=shares and chain != "none" and "shares:write" in held,
        ),
    )


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
