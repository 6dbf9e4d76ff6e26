"""FastAPI dependencies: the app context, a tenant-bound DB session, and the caller.

Dependencies are `async def`: FastAPI runs a plain `def` dependency in its thread pool, and a hop
there per dependency was a measurable share of a small API request. Whatever blocks (a query, a
commit, a Redis round trip) is sent to the thread pool explicitly, so it never blocks the event
loop: a request with a cached API key makes one hop, the handler with its commit (`one_hop`).
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Annotated, Any

import jwt
from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, request_response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from flowai.core import auth
from flowai.core.context import AppContext
from flowai.core.errors import Problem
from flowai.core.ratelimit import MemoryWindows, Quota
from flowai.core.security import constant_time_equal
from flowai.core.tenancy import TenantInfo

SESSION_COOKIE = "flowai_session"
CSRF_COOKIE = "flowai_csrf"
CSRF_HEADER = "x-csrf-token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
SAFE = {"GET", "HEAD"}  # their request session is read-only (core/db.py)


async def get_ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


async def get_tenant(request: Request) -> TenantInfo:
    return tenant_of(request)


def tenant_of(request: Request) -> TenantInfo:
    """The workspace the request's host serves (the middleware resolved it)."""
    tenant: TenantInfo | None = request.scope["state"].get("tenant")
    if tenant is None:
        raise Problem(404, "unknown-host", "No workspace is served at this address.")
    return tenant


Ctx = Annotated[AppContext, Depends(get_ctx)]
Tenant = Annotated[TenantInfo, Depends(get_tenant)]


def feature(name: str) -> Any:
    """A router dependency: 403 while the tenant's admins have this premium feature switched off
    (the toggle hides it in the web app; this keeps API keys and old tabs out too)."""

    async def enabled(tenant: Tenant) -> None:
        if name not in tenant.features:
            raise Problem(
                403,
                "feature-disabled",
                f"The {name} feature is switched off for this workspace; an admin can switch it on.",
                errors=[{"field": "feature", "message": name}],
            )

    return Depends(enabled)


# The request's session, for `one_hop` to end in the handler's thread.
REQUEST_SESSION: ContextVar[Session | None] = ContextVar("flowai_request_session", default=None)


async def get_db(request: Request) -> Session:
    """One session per request, bound to the request's tenant. Opening it does no I/O (the
    connection is taken at the first query, in the handler's thread), and `one_hop` commits it
    there when the handler returns (rolls back if it raises) and closes it. A GET's session is
    read-only: one round trip per statement on PostgreSQL, and a GET that writes fails in tests
    on SQLite as it would in production. A plain function, not a yield dependency: FastAPI's
    exit stack for one cost as much as the handler of a small GET. It reads the context and
    tenant off the request itself: each dependency FastAPI solves per request cost tens of
    microseconds."""
    ctx: AppContext = request.app.state.ctx
    s = ctx.db.session(tenant_id=tenant_of(request).id, read_only=request.method in SAFE)
    REQUEST_SESSION.set(s)
    return s


DB = Annotated[Session, Depends(get_db)]


def client_ip(request: Request) -> str | None:
    """The peer address, for audit records and per-IP throttling."""
    return request.client.host if request.client else None


async def check_csrf(request: Request) -> None:
    verify_csrf(request)


def verify_csrf(request: Request) -> None:
    """Double-submit check for cookie-authenticated writes (and login/sign-up)."""
    if request.method not in UNSAFE:
        return
    cookie = request.cookies.get(CSRF_COOKIE, "")
    header = request.headers.get(CSRF_HEADER, "")
    if not cookie or not header or not constant_time_equal(cookie, header):
        raise Problem(
            403,
            "csrf",
            "Missing or wrong X-CSRF-Token header: send the value of the flowai_csrf cookie "
            "(GET /v1/auth/csrf sets it).",
        )


async def get_principal(request: Request) -> auth.Principal:
    """The caller, and one count against its rate limits (once per request). A known API key
    costs no I/O here (see core/keycache.py); sessions, Supabase tokens and key cache misses read
    in the thread pool, in short transactions of their own (none holds SQLite's lock for the
    request)."""
    state = request.scope["state"]
    if "principal" in state:
        return state["principal"]  # type: ignore[no-any-return]
    ctx: AppContext = request.app.state.ctx
    tenant = tenant_of(request)
    principal = await _authenticate(request, ctx, tenant)
    if principal.touch and principal.api_key_id:
        await run_in_threadpool(ctx.api_keys.touch, tenant.id, principal.api_key_id)
    credential = principal.api_key_id or f"user:{principal.user_id}"
    limiter = ctx.request_limiter

    def check() -> Quota:
        return limiter.check(plan=tenant.plan, tenant_id=tenant.id, credential=credential)

    # in memory it is a dict under a lock; Redis is a round trip, off the event loop
    state["ratelimit"] = (
        check() if isinstance(limiter.store, MemoryWindows) else await run_in_threadpool(check)
    )
    state["principal"] = principal
    return principal


async def _authenticate(request: Request, ctx: AppContext, tenant: TenantInfo) -> auth.Principal:
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Problem(401, "unauthenticated", "Authorization must be 'Bearer <API key or token>'.")
        token = token.strip()
        if token.startswith("fla_"):
            principal = ctx.api_keys.cached(tenant.id, token)
            if principal is False:
                principal = await run_in_threadpool(ctx.api_keys.principal, tenant.id, token)
            if not principal:
                raise Problem(401, "invalid-api-key", "This API key is unknown, revoked or expired.")
            return principal
        return await run_in_threadpool(_principal_for_token, ctx, tenant, token)
    cookie = request.cookies.get(SESSION_COOKIE)
    user = await run_in_threadpool(_session_principal, ctx, tenant, cookie) if cookie else None
    if user is None:
        raise Problem(401, "unauthenticated", "Sign in or send an API key as 'Authorization: Bearer'.")
    verify_csrf(request)
    return user


def _session_principal(ctx: AppContext, tenant: TenantInfo, cookie: str) -> auth.Principal | None:
    with ctx.db.session(tenant_id=tenant.id, read_only=True) as s:  # 2 round trips on PostgreSQL, not 4
        user = auth.user_for_session(s, cookie)
        return auth.principal_for(user, "session") if user else None


def _principal_for_token(ctx: AppContext, tenant: TenantInfo, token: str) -> auth.Principal:
    """A Supabase access token (its user is created on first sight, committed at once)."""
    settings = ctx.settings
    if settings.supabase_jwt_secret or settings.supabase_jwks_url:
        from flowai.core.security import verify_supabase_jwt

        try:
            claims = verify_supabase_jwt(
                token,
                secret=settings.supabase_jwt_secret,
                jwks_url=settings.supabase_jwks_url,
                audience=settings.supabase_jwt_audience,
            )
        except jwt.PyJWTError as exc:
            raise Problem(401, "invalid-token", f"Supabase token rejected: {exc}") from exc
        with ctx.db.transaction(tenant_id=tenant.id) as s:
            return auth.principal_for(auth.user_for_supabase_claims(s, claims), "supabase")
    raise Problem(401, "invalid-api-key", "Bearer credentials must be a FlowAI API key (fla_…).")


class Require:
    """Dependency: the caller must hold one of `scopes` (a session holds every feature scope, and
    `admin`/`platform` with an admin role; a key holds only its own). Every route of the API
    depends on exactly one `Require` or `Public`; `declare_scopes` writes it into the OpenAPI
    document as `x-required-scopes`, and a test walks every operation with a key of each scope.
    It takes only the request (no sub-dependencies to solve on every call)."""

    def __init__(self, *scopes: str) -> None:
        self.scopes = scopes

    async def __call__(self, request: Request) -> auth.Principal:
        principal = await get_principal(request)
        principal.require(*self.scopes)
        if self.scopes == ("platform",) and tenant_of(request).slug != auth.PLATFORM_TENANT:
            raise Problem(
                403,
                "platform-only",
                "Tenants are managed from the platform's own workspace.",
                errors=[{"field": "host", "message": "use the platform's own host"}],
            )
        return principal


class SignedIn(Require):
    """Only a person signed in (browser session, Supabase token, CLI): no API key, whatever its
    scopes, may mint, rotate or revoke API keys."""

    def __init__(self) -> None:
        super().__init__("session")

    async def __call__(self, request: Request) -> auth.Principal:
        principal = await get_principal(request)
        if principal.via == "api_key":
            raise Problem(
                403,
                "insufficient-scope",
                "API keys cannot manage API keys; sign in to do this.",
                errors=[{"field": "scope", "message": "requires a signed-in session"}],
            )
        return principal


class Public:
    """Dependency that declares a route open to anyone (no credential is read)."""

    scopes: tuple[str, ...] = ()

    async def __call__(self) -> None:
        return None


def require(*scopes: str) -> Any:
    return Depends(Require(*scopes))


Reader = Annotated[auth.Principal, require("read")]
Admin = Annotated[auth.Principal, require("admin")]
PlatformAdmin = Annotated[auth.Principal, require("platform")]
SignedInUser = Annotated[auth.Principal, Depends(SignedIn())]
PUBLIC = [Depends(Public())]


def one_hop(app: FastAPI) -> None:
    """Run each plain `def` route in one trip to the thread pool, together with the end of its
    request session.

    FastAPI runs a sync handler in the pool, then validates its result against the response
    model in the pool again, and ending a session from a yield dependency is a third trip; each
    trip cost about as much as the handler of a small GET. Here the handler, the validation and
    the commit (rollback if either fails) run in one worker thread, in that order; FastAPI's own
    validation of the already validated value is then cheap enough for the event loop. An
    `async def` route that takes DB (an upload streams its body first) ends the session in one
    trip after it returns."""
    for route in api_routes(app.router.routes):
        call = route.dependant.call
        if call is None or getattr(call, ONE_HOP, False):  # an earlier app wrapped the shared route
            continue
        takes_db = any(d.call is get_db for d in sub_dependencies(route.dependant))
        if _is_async(call):
            if not takes_db:
                continue
            wrapped = _ending_session(call)
        else:
            wrapped = _in_one_hop(call, route, takes_db)
        # the endpoint too: an included router builds its routes' handlers from it, lazily
        route.endpoint = wrapped
        route.dependant = dataclasses.replace(route.dependant, call=wrapped)
        route.app = request_response(route.get_route_handler())


def _is_async(call: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(call) or inspect.iscoroutinefunction(getattr(call, "__call__", None))  # noqa: B004


def _in_one_hop(call: Callable[..., Any], route: APIRoute, takes_db: bool) -> Callable[..., Any]:
    field = route.response_field

    def run(values: dict[str, Any]) -> tuple[Any, bool]:
        """The handler's result, validated, and whether it is valid (an invalid one is passed on
        for FastAPI to report as before)."""
        result = call(**values)
        if field is None or isinstance(result, Response):
            return result, True
        validated, errors = field.validate(result, {}, loc=("response",))
        return (result, False) if errors else (validated, True)

    def run_in_session(session: Session, values: dict[str, Any]) -> Any:
        try:
            result, valid = run(values)
        except BaseException:
            _end(session, commit=False)
            raise
        _end(session, commit=valid)
        return result

    async def endpoint(**values: Any) -> Any:
        if not takes_db:
            return (await run_in_threadpool(run, values))[0]
        session = REQUEST_SESSION.get()
        assert session is not None  # get_db ran: the route depends on it
        return await run_in_threadpool(run_in_session, session, values)

    return _named_like(endpoint, call)


def _ending_session(call: Callable[..., Any]) -> Callable[..., Any]:
    async def endpoint(**values: Any) -> Any:
        session = REQUEST_SESSION.get()
        assert session is not None  # get_db ran: the route depends on it
        try:
            result = await call(**values)
        except BaseException:
            await run_in_threadpool(_end, session, commit=False)
            raise
        await run_in_threadpool(_end, session, commit=True)
        return result

    return _named_like(endpoint, call)


def _end(session: Session, *, commit: bool) -> None:
    """Commit (or roll back) the request's session and close it."""
    with session:
        if commit and session.in_transaction():
            session.commit()
        else:
            session.rollback()


def _named_like(endpoint: Callable[..., Any], call: Callable[..., Any]) -> Callable[..., Any]:
    """`endpoint` with `call`'s name, docs and parameters (FastAPI reads them off it). Not
    `__wrapped__`: FastAPI would unwrap to `call` and run the async wrapper as a sync one."""
    endpoint.__name__ = getattr(call, "__name__", "endpoint")
    endpoint.__qualname__ = getattr(call, "__qualname__", endpoint.__name__)
    endpoint.__module__ = call.__module__
    endpoint.__doc__ = call.__doc__
    endpoint.__signature__ = inspect.signature(call, eval_str=True)  # type: ignore[attr-defined]
    setattr(endpoint, ONE_HOP, True)
    return endpoint


ONE_HOP = "flowai_one_hop"  # marks a wrapped endpoint: routers are module-level, apps are not


def declare_scopes(app: FastAPI) -> None:
    """Write each route's requirement into its OpenAPI operation (`x-required-scopes`: one of
    these is needed; empty for a public route), read off the dependencies it really runs."""
    for route in api_routes(app.router.routes):
        found = {
            (type(d.call), d.call.scopes)
            for d in sub_dependencies(route.dependant)
            if isinstance(d.call, Require | Public)
        }
        if len(found) == 1:  # none, or two that disagree, is left undeclared: the scope test fails
            ((_, scopes),) = found
            route.openapi_extra = {**(route.openapi_extra or {}), "x-required-scopes": list(scopes)}


def api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every APIRoute below `routes`, inside included routers too."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # FastAPI's lazily combined include_router()
            yield from api_routes(route.original_router.routes)


def sub_dependencies(dependant: Dependant) -> Iterator[Dependant]:
    """Every dependency a route runs, depth first."""
    for sub in dependant.dependencies:
        yield sub
        yield from sub_dependencies(sub)
