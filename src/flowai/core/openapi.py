"""The OpenAPI document as the contract, and the docs page that shows it without internet.

FastAPI writes the document from the routes; `install` post-processes it once, so that it states
every response a route can give: the RFC 9457 `Problem` schema (what errors.py emits) on each
4xx a route can answer, read off the dependencies it runs (a caller → 401/403/429, a tenant or a
path id → 404, parameters or a body → 422), plus the few route-specific answers in `EXTRA`
(conflicts, uploads, media types, raw bodies). The Swagger UI assets are served from the
`fastapi-offline` wheel at /docs-assets, so /docs renders with no network.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from flowai.core import deps
from flowai.core.errors import PROBLEM_BASE

PROBLEM_JSON = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
DOCS_ASSETS = "/docs-assets"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem details: every error answer of this API.",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {
            "type": "string",
            "description": f"Stable identifier of the problem, e.g. {PROBLEM_BASE}not-found",
        },
        "title": {"type": "string", "description": "Short summary of the status"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "What went wrong, in words a person can act on"},
        "instance": {"type": "string", "description": "The request path"},
        "request_id": {"type": "string", "description": "The X-Request-ID of the request"},
        "errors": {
            "type": "array",
            "description": "The fields at fault",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

DESCRIPTIONS = {
    400: "The body could not be read (malformed JSON, a broken multipart form)",
    401: "No valid credentials: sign in, or send an API key as `Authorization: Bearer`",
    403: "The credential lacks the scope or role (`insufficient-scope`, `admin-only`, `csrf`, …)",
    404: "Not found: a missing id (another user's or tenant's rows answer the same), or no workspace "
    "at this host",
    409: "Conflicts with the current state",
    413: "The body is larger than the limit",
    415: "The body's content is not an accepted media format",
    422: "Invalid input; `errors` names the fields at fault",
    428: "The precondition is missing: send the ETag you read as If-Match (or `?version=`)",
    429: "Too many requests: wait for `Retry-After` seconds",
    502: "The external engine failed",
    503: "A backing service (the chain, the voice engine) is unavailable: retry after `Retry-After`",
}

BINARY = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
TEXT = {"schema": {"type": "string"}}


def _body(content: dict[str, Any], description: str) -> dict[str, Any]:
    return {"required": True, "description": description, "content": content}


# Per operation: statuses beyond what the dependencies imply, success media types, raw bodies.
EXTRA: dict[str, dict[str, Any]] = {
    "POST /v1/auth/signup": {"problems": [409]},
    "POST /v1/auth/login": {"problems": [401, 429]},
    "POST /v1/auth/password/forgot": {"problems": [429]},
    "POST /v1/auth/invites/accept": {"problems": [401, 409]},
    "POST /v1/tenant/invites": {"problems": [409]},
    "POST /v1/apikeys/{key_id}/rotate": {"problems": [409]},
    "POST /v1/files": {
        "problems": [413, 415],
        "body": _body(BINARY, "The file's bytes (checked by content, not by Content-Type)"),
    },
    "POST /v1/assets": {
        "problems": [413, 415],
        "body": _body(BINARY, "The media file's bytes (video, audio or image)"),
    },
    "POST /v1/voice/clone": {
        "problems": [400, 409, 413, 415, 502, 503],
        "body": {
            "required": False,
            "description": "The recording: multipart field `audio` (plus `consent`), or the raw body",
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "audio": {"type": "string", "format": "binary"},
                            "consent": {"type": "string", "enum": ["true", "false"]},
                        },
                    }
                },
                **BINARY,
            },
        },
    },
    "POST /v1/tts": {"problems": [409, 502, 503], "accepted": "Long text: a job narrates it (Location)"},
    "DELETE /v1/voice": {"problems": [409, 502, 503]},
    "PUT /v1/projects/{project_id}/timeline": {
        "problems": [409, 413, 428],
        "body": _body(
            {"application/json": {"schema": {"type": "object"}}},
            "The timeline document (GET /v1/editor/timeline-schema)",
        ),
    },
    "POST /v1/projects/{project_id}/import.{fmt}": {
        "problems": [409, 413, 428],
        "body": _body(
            {"application/json": TEXT, "application/xml": TEXT, "text/plain": TEXT},
            "An .otio document, FCP 7 XML or a CMX 3600 EDL",
        ),
    },
    "GET /v1/projects/{project_id}/export.{fmt}": {
        "media": {"application/json": TEXT, "application/xml": TEXT, "text/plain": TEXT},
    },
    "POST /v1/projects/{project_id}/magic-cut/apply": {"problems": [409, 428]},
    "POST /v1/projects/{project_id}/exports": {"problems": [409]},
    "POST /v1/assets/{asset_id}/magic-cut": {"problems": [409]},
    "POST /v1/assets/{asset_id}/transcribe": {"problems": [409]},
    "POST /v1/projects/{project_id}/transcript/cut": {"problems": [409, 428]},
    "POST /v1/projects/{project_id}/captions": {"problems": [409, 428]},
    "GET /v1/projects/{project_id}/captions.{fmt}": {
        "problems": [409],
        "media": {"application/x-subrip": TEXT, "text/vtt": TEXT, "text/x-ssa": TEXT},
    },
    "DELETE /v1/assets/{asset_id}": {"problems": [409]},
    "POST /v1/jobs/{job_id}/cancel": {"problems": [409]},
    "GET /v1/shares/chain": {"problems": [503]},
    "POST /v1/videos/{video_id}/shares": {"problems": [409, 503]},
    "POST /v1/videos/{video_id}/revenue": {"problems": [409]},
    "POST /v1/shares/royalty-runs": {"problems": [409, 503]},
    "POST /v1/shares/index": {"problems": [503]},
    "PATCH /v1/tenant": {"problems": [409]},
    "POST /v1/tenant/domains": {"problems": [409]},
    "DELETE /v1/tenant/domains/{host}": {"problems": [409]},
    "POST /v1/tenant/domains/{host}/verify": {"problems": [409]},
    "PATCH /v1/tenant/users/{user_id}": {"problems": [409]},
    "POST /v1/platform/tenants": {"problems": [409]},
    "DELETE /v1/platform/tenants/{slug}": {"problems": [409]},
    "POST /v1/webhooks/endpoints": {"problems": [409]},
    "PATCH /v1/webhooks/endpoints/{endpoint_id}": {"problems": [409]},
    "POST /v1/webhooks/endpoints/{endpoint_id}/test": {"problems": [409]},
    "POST /v1/webhooks/deliveries/{delivery_id}/replay": {"problems": [409]},
    "GET /readyz": {"status": {503: "Not ready: a check failed (see `checks`)"}},
}
REDIRECT = {"description": "Redirect to the file (a signed URL, or the logo)", "headers": {"Location": TEXT}}
IMAGE = {"image/*": {"schema": {"type": "string", "format": "binary"}}}
EXTRA["GET /v1/tenant/logo"] = {"media": IMAGE, "status": {307: REDIRECT}}
EXTRA["GET /v1/tenant/favicon"] = {"media": IMAGE, "status": {307: REDIRECT}}
EXTRA["GET /v1/tenant/font"] = {"media": {"font/*": {"schema": {"type": "string", "format": "binary"}}}}
for _kind in ("logo", "favicon", "font"):
    EXTRA[f"PUT /v1/tenant/{_kind}"] = {
        "problems": [413, 415],
        "body": _body(BINARY, f"The {_kind} file's bytes (checked by content)"),
    }


def install(app: FastAPI) -> None:
    """Serve /docs from packaged assets and make `app.openapi()` return the completed document."""
    _install_docs(app)
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(build(), _routes_by_operation(app))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete(schema: dict[str, Any], routes: dict[tuple[str, str], APIRoute]) -> dict[str, Any]:
    """Add the Problem schema, the security schemes and each operation's problem responses."""
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    components["securitySchemes"] = {
        "apiKey": {"type": "http", "scheme": "bearer", "description": "An API key (fla_…)"},
        "session": {"type": "apiKey", "in": "cookie", "name": deps.SESSION_COOKIE},
    }
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            if method in METHODS:
                _complete_operation(method.upper(), path, op, routes.get((method.upper(), path)))
    return schema


def _complete_operation(method: str, path: str, op: dict[str, Any], route: APIRoute | None) -> None:
    calls = {d.call for d in deps.sub_dependencies(route.dependant)} if route is not None else set()
    extra = EXTRA.get(f"{method} {path}", {})
    problems: set[int] = set(extra.get("problems", []))
    params = op.get("parameters", [])
    if params or "requestBody" in op or "body" in extra:
        problems.add(422)
    authenticated = any(isinstance(c, deps.Require) for c in calls)
    if authenticated:
        problems.update((401, 403, 429))
        op["security"] = [{"apiKey": []}, {"session": []}]
    if deps.check_csrf in calls:
        problems.add(403)
    if authenticated or calls & {deps.get_tenant, deps.get_db} or any(p.get("in") == "path" for p in params):
        problems.add(404)
    if "body" in extra:
        op["requestBody"] = extra["body"]
    if "requestBody" in op:
        problems.add(400)  # a body that cannot be parsed (malformed JSON, a broken form)
    responses = op.setdefault("responses", {})
    if "media" in extra:
        for code, response in responses.items():
            if code.startswith("2"):
                response["content"] = extra["media"]
    if "accepted" in extra:
        responses.setdefault("202", {"description": extra["accepted"], "content": responses_content(op)})
    for code, response in extra.get("status", {}).items():
        if isinstance(response, str):
            response = {"description": response, "content": responses_content(op)}
        responses.setdefault(str(code), response)
    for status in sorted(problems):
        responses[str(status)] = _problem_response(status)


def responses_content(op: dict[str, Any]) -> dict[str, Any]:
    """The content of the operation's first success response (a second success code shares it)."""
    for code, response in op.get("responses", {}).items():
        if code.startswith("2") and "content" in response:
            return dict(response["content"])
    return {"application/json": {"schema": {}}}


def _problem_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": DESCRIPTIONS[status],
        "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}},
    }
    if status in (429, 503):
        response["headers"] = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds"}}
    return response


def _routes_by_operation(app: FastAPI) -> dict[tuple[str, str], APIRoute]:
    return {(m, r.path_format): r for r in deps.api_routes(app.router.routes) for m in r.methods or ()}


def _install_docs(app: FastAPI) -> None:
    """Swagger UI from the `fastapi-offline` wheel (swagger-ui-dist 5: reads OpenAPI 3.1)."""
    assets = Path(str(files("fastapi_offline") / "static"))
    app.mount(DOCS_ASSETS, StaticFiles(directory=assets), name="docs-assets")
    title = f"{app.title} – docs"
    openapi_url = app.openapi_url or "/openapi.json"

    def page() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=title,
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
            oauth2_redirect_url="/docs/oauth2-redirect",
        )

    app.add_api_route("/docs", page, include_in_schema=False, response_class=HTMLResponse)
    app.add_api_route(
        "/docs/oauth2-redirect",
        get_swagger_ui_oauth2_redirect_html,
        include_in_schema=False,
        response_class=HTMLResponse,
    )
