"""RFC 9457 problem details for every error, with a stable `type` and the fields at fault."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

log = logging.getLogger("flowai.errors")
PROBLEM_BASE = "https://flowai.dev/problems/"
TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
CATCH_ALL = "/{path:path}"


class Problem(Exception):
    """An error the client can act on; rendered as application/problem+json."""

    def __init__(
        self,
        status: int,
        type: str,
        detail: str,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        title: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.type = type
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.title = title or TITLES.get(status, "Error")


def not_found(what: str) -> Problem:
    return Problem(404, "not-found", f"{what} not found")


def field_error(status: int, type: str, field: str, message: str) -> Problem:
    return Problem(status, type, f"{field}: {message}", errors=[{"field": field, "message": message}])


def allowed_methods(request: Request) -> list[str]:
    """The methods that some route serves at the request's path. Starlette's own Allow names only
    the first route that matches the path; a catch-all (the web app's `/{path:path}`) is not one."""
    allowed = []
    for method in HTTP_METHODS:
        scope = {**request.scope, "method": method}
        for route in request.app.router.routes:
            match, child = route.matches(scope)
            if match is Match.FULL:
                if getattr(child.get("route"), "path", None) != CATCH_ALL:
                    allowed.append(method)
                break
    return allowed


def no_route(request: Request) -> Problem:
    """405 with the right Allow when the path exists under other methods, else 404."""
    allowed = allowed_methods(request)
    if not allowed:
        return not_found("API route")
    return Problem(
        405,
        "method-not-allowed",
        f"{request.method} is not allowed here; use {', '.join(allowed)}.",
        headers={"Allow": ", ".join(allowed)},
    )


def problem_response(request: Request, problem: Problem) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + problem.type,
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "instance": request.url.path,
    }
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    if problem.errors:
        body["errors"] = problem.errors
    return JSONResponse(
        body,
        status_code=problem.status,
        headers=problem.headers,
        media_type="application/problem+json",
    )


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": _field_path(tuple(e["loc"])), "message": e["msg"]} for e in exc.errors()]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem_response(request, Problem(422, "validation", detail, errors=errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 405:
            return problem_response(request, no_route(request))
        slug = TITLES.get(exc.status_code, "error").lower().replace(" ", "-")
        headers = dict(exc.headers or {})
        return problem_response(request, Problem(exc.status_code, slug, str(exc.detail), headers=headers))

    @app.exception_handler(DataError)
    async def _refused_by_database(request: Request, exc: DataError) -> JSONResponse:
        """PostgreSQL stores no NUL character in text: a 422 naming the input that held one (the
        request's transaction is rolled back, so nothing was written), not a 500."""
        if "NUL (0x00)" not in str(exc.orig):
            return await _crash(request, exc)
        errors = [{"field": f, "message": "must not contain NUL (U+0000)"} for f in await _with_nul(request)]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem_response(request, Problem(422, "validation", detail, errors=errors))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem_response(
            request,
            Problem(
                500,
                "internal",
                "Something went wrong on our side; the request id helps us find it.",
            ),
        )


async def _with_nul(request: Request) -> list[str]:
    """The inputs (path and query parameters, JSON body fields) holding a NUL character."""
    found = [
        k for k, v in (*request.path_params.items(), *request.query_params.multi_items()) if "\x00" in str(v)
    ]
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        body = None
    found += _nul_paths(body, ())
    return found or ["body"]


def _nul_paths(value: Any, at: tuple[Any, ...]) -> list[str]:
    if isinstance(value, str):
        return [_field_path(at)] if "\x00" in value else []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _nul_paths(v, (*at, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _nul_paths(v, (*at, i))]
    return []
