"""A tenant's brand as CSS variables: the web app is styled only through these values."""

from __future__ import annotations

import re
from typing import Any

from flowai.core.models import DEFAULT_BRAND
from flowai.core.tenancy import TenantInfo
from flowai.enterprise.brand_assets import CSS_FORMATS, FONT_FAMILY, version

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_FONT = re.compile(r"^[A-Za-z0-9 ,'\"-]{1,200}$")


def brand_of(tenant: TenantInfo) -> dict[str, Any]:
    colors = {**DEFAULT_BRAND["colors"], **(tenant.brand.get("colors") or {})}
    return {
        "colors": {k: v for k, v in colors.items() if _COLOR.match(str(v))},
        "font_family": str(tenant.brand.get("font_family") or DEFAULT_BRAND["font_family"]),
        "logo_key": tenant.brand.get("logo_key"),
        "favicon_key": tenant.brand.get("favicon_key"),
        "font_key": tenant.brand.get("font_key"),
        "font_format": tenant.brand.get("font_format"),
    }


def font_url(brand: dict[str, Any]) -> str | None:
    key = brand.get("font_key")
    return f"/v1/tenant/font?v={version(key)}" if key else None


def favicon_url(brand: dict[str, Any]) -> str:
    key = brand.get("favicon_key") or brand.get("logo_key")
    return f"/v1/tenant/favicon?v={version(key)}" if key else "/v1/tenant/favicon"


def theme_json(tenant: TenantInfo) -> dict[str, Any]:
    brand = brand_of(tenant)
    return {
        "slug": tenant.slug,
        "name": tenant.name,
        "logo_url": "/v1/tenant/logo",
        "colors": brand["colors"],
        "font_family": brand["font_family"],
        "font_url": font_url(brand),
        "favicon_url": favicon_url(brand),
        "features": list(tenant.features),
    }


def theme_css(tenant: TenantInfo) -> str:
    """`:root{--flowai-*}`; values are validated so a brand can never inject CSS."""
    brand = brand_of(tenant)
    font = brand["font_family"] if _FONT.match(brand["font_family"]) else DEFAULT_BRAND["font_family"]
    face = ""
    url = font_url(brand)
    if url and brand["font_format"] in CSS_FORMATS:
        face = (
            f'@font-face {{\n  font-family: "{FONT_FAMILY}";\n  src: url("{url}") '
            f'format("{CSS_FORMATS[brand["font_format"]]}");\n  font-display: swap;\n}}\n'
        )
        font = f'"{FONT_FAMILY}", {font}'
    lines = [f"  --flowai-{name}: {value};" for name, value in brand["colors"].items()]
    lines.append(f"  --flowai-font: {font};")
    lines.append('  --flowai-logo: url("/v1/tenant/logo");')
    return face + ":root {\n" + "\n".join(lines) + "\n}\n"


def default_logo_svg(tenant: TenantInfo) -> str:
    """A monogram in the tenant's colours, until the tenant uploads its own logo."""
    brand = brand_of(tenant)
    letter = (tenant.name[:1] or "F").upper()
    primary, secondary = brand["colors"]["primary"], brand["colors"]["secondary"]
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
        f'<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="{primary}"/>'
        f'<stop offset="1" stop-color="{secondary}"/></linearGradient></defs>'
        '<rect width="64" height="64" rx="14" fill="url(#g)"/>'
        f'<text x="32" y="43" font-family="Arial,sans-serif" font-size="30" font-weight="700" '
        f'text-anchor="middle" fill="#fff">{letter if letter.isalnum() else "F"}</text></svg>'
    )
