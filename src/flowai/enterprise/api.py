"""Per-host theme endpoints the web app loads at start: JSON, CSS variables and the logo."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import RedirectResponse

from flowai.core.deps import Ctx, Tenant
from flowai.enterprise import theming

router = APIRouter(tags=["tenant"])


@router.get("/v1/tenant/theme")
def theme(tenant: Tenant) -> dict[str, object]:
    return theming.theme_json(tenant)


@router.get("/theme.css", include_in_schema=False)
def theme_css(tenant: Tenant) -> Response:
    return Response(theming.theme_css(tenant), media_type="text/css", headers={"Cache-Control": "no-cache"})


@router.get("/v1/tenant/logo", include_in_schema=False)
def logo(tenant: Tenant, ctx: Ctx) -> Response:
    key = theming.brand_of(tenant).get("logo_key")
    if key:
        return RedirectResponse(ctx.storage.download_url(str(key)), status_code=307)
    return Response(
        theming.default_logo_svg(tenant),
        media_type="image/svg+xml",
        headers={"Cache-Control": "no-cache"},
    )
