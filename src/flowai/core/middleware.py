"""Per-request plumbing as plain ASGI: request id, tenant from Host, access log.

Plain ASGI (not BaseHTTPMiddleware) so streaming responses (SSE, downloads) pass untouched and
even a crash's 500 carries the X-Request-ID.
"""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from flowai.core.ids import new_id
from flowai.core.tenancy import TenantRouter

log = logging.getLogger("flowai.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
# Paths that work on any host: probes, and signed URLs (the signature is the authority).
TENANTLESS = ("/healthz", "/readyz", "/v1/files/raw/")
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
]


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, tenants: TenantRouter) -> None:
        self.app = app
        self.tenants = tenants

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        incoming = headers.get("x-request-id", "")
        request_id = incoming if _SAFE_ID.match(incoming) else new_id()
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status_holder = {"status": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode()),
                    *SECURITY_HEADERS,
                    *_ratelimit_headers(state, message["headers"]),
                ]
            await send(message)

        path: str = scope["path"]
        tenant = None
        if not path.startswith(TENANTLESS):
            tenant = self.tenants.resolve(headers.get("host", ""))
            if tenant is None:
                await _unknown_host(send_with_id, path, request_id, headers)
                self._log(scope, status_holder["status"], started, request_id, None)
                return
        state["tenant"] = tenant
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._log(scope, status_holder["status"], started, request_id, tenant.slug if tenant else None)

    @staticmethod
    def _log(scope: Scope, status: int, started: float, request_id: str, tenant: str | None) -> None:
        log.info(
            "request",
            extra={
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "ms": round((time.perf_counter() - started) * 1000, 2),
                "request_id": request_id,
                "tenant": tenant,
            },
        )


async def _unknown_host(send: Any, path: str, request_id: str, headers: dict[str, str]) -> None:
    host = headers.get("host", "")
    if path.startswith("/v1/") or "text/html" not in headers.get("accept", ""):
        body = json.dumps(
            {
                "type": "https://flowai.dev/problems/unknown-host",
                "title": "Not found",
                "status": 404,
                "detail": f"No FlowAI workspace is served at {host!r}.",
                "instance": path,
                "request_id": request_id,
            }
        ).encode()
        ctype = b"application/problem+json"
    else:
        body = (
            "<!doctype html><meta charset=utf-8><title>Workspace not found</title>"
            "<body style='font-family:system-ui;padding:4rem'><h1>Workspace not found</h1>"
            f"<p>No FlowAI workspace is served at this address.</p><p><small>Request {request_id}</small></p>"
        ).encode()
        ctype = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 404,
            "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _ratelimit_headers(
    state: dict[str, Any], present: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    """The caller's quota on every response (a 429 already carries its own)."""
    quota = state.get("ratelimit")
    if quota is None or any(k.lower() == b"ratelimit-limit" for k, _ in present):
        return []
    return [(k.lower().encode(), v.encode()) for k, v in quota.headers().items()]
