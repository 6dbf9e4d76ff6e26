"""The FastAPI app factory: API under /v1, OpenAPI at /docs (served offline), the built web app at /."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from flowai.core import errors, openapi
from flowai.core.auth_api import router as auth_router
from flowai.core.context import AppContext
from flowai.core.deps import PUBLIC, declare_scopes, feature, one_hop
from flowai.core.files_api import router as files_router
from flowai.core.jobs_api import router as jobs_router
from flowai.core.middleware import RequestContextMiddleware
from flowai.core.ops_api import router as ops_router
from flowai.core.routing import skip_routers_by_head
from flowai.editor.api import router as editor_router
from flowai.enterprise.api import router as tenant_router
from flowai.enterprise.webhooks.api import router as webhooks_router
from flowai.settings import Settings, get_settings
from flowai.shares import pages as share_pages
from flowai.shares.api import nft_router, offers_router
from flowai.shares.api import router as shares_router
from flowai.voice.api import router as voice_router

STATIC_DIR = Path(__file__).resolve().parent / "static"
NO_WEB_BUILD = (
    "<!doctype html><html><head><title>FlowAI</title></head><body><h1>FlowAI API is running</h1>"
    "<p>The web app is not built: run <code>make web</code>. API docs: <a href=/docs>/docs</a>.</p></body></html>"
)


def create_app(ctx: AppContext | None = None, settings: Settings | None = None) -> FastAPI:
    ctx = ctx or AppContext.build(settings or get_settings())

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        ctx.start()
        try:
            yield
        finally:
            ctx.stop()

    app = FastAPI(
        title="FlowAI Premium API",
        version="1.0",
        description="Voice cloning, the video editor, viral shares and white-label tenants.",
        lifespan=lifespan,
        docs_url=None,  # openapi.install serves /docs from packaged assets
        redoc_url=None,
    )
    app.state.ctx = ctx
    errors.install(app)
    openapi.install(app)
    for router in (
        ops_router,
        auth_router,
        jobs_router,
        files_router,
        tenant_router,
        webhooks_router,
        nft_router,
    ):
        app.include_router(router)
    # premium features a tenant's admins can switch off (Admin → Brand → features)
    app.include_router(editor_router, dependencies=[feature("editor")])
    app.include_router(shares_router, dependencies=[feature("shares")])
    app.include_router(offers_router)  # public: 404 while the workspace has shares off
    app.include_router(voice_router, dependencies=[feature("voice")])
    skip_routers_by_head(app)
    app.add_middleware(RequestContextMiddleware, tenants=ctx.tenants)
    _mount_web(app)
    declare_scopes(app)
    one_hop(app)
    return app


def _mount_web(app: FastAPI) -> None:
    """Serve the Vite build with an SPA fallback; say how to build it when it is missing."""
    index = STATIC_DIR / "index.html"
    if (STATIC_DIR / "assets").is_dir():
        app.mount("/assets", StaticFiles(directory=STATIC_DIR / "assets"), name="assets")

    @app.get("/v/{offer_id}", include_in_schema=False, dependencies=PUBLIC)
    def offer_page(offer_id: str, request: Request) -> Response:
        """An offer's public page: the web app, with the offer's Open Graph card in the head so
        link previews work without JavaScript (404 with the plain app for an unknown offer)."""
        page = index.read_text() if index.is_file() else NO_WEB_BUILD
        tags = share_pages.card(app.state.ctx, getattr(request.state, "tenant", None), offer_id,
                                str(request.base_url))  # fmt: skip
        if tags is None:
            return HTMLResponse(page, status_code=404, headers={"Cache-Control": "no-cache"})
        return HTMLResponse(share_pages.render(page, tags), headers={"Cache-Control": "no-cache"})

    @app.get("/{path:path}", include_in_schema=False)
    def spa(path: str, request: Request) -> Response:
        if path.startswith("v1/") or path == "v1":
            raise errors.no_route(request)
        candidate = (STATIC_DIR / path).resolve()
        if path and candidate.is_file() and STATIC_DIR in candidate.parents:
            return FileResponse(candidate)
        if index.is_file():
            return FileResponse(index, headers={"Cache-Control": "no-cache"})
        return HTMLResponse(NO_WEB_BUILD)
