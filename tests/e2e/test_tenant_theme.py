"""White-label: the same page on two hosts shows each tenant's colours and logo, no rebuild."""

from __future__ import annotations

import re
import struct
import uuid
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest
from flowai_testkit import LiveServer
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _png(rgb: tuple[int, int, int], size: int = 16) -> bytes:
    """A solid-colour PNG, so the logo's pixels prove which tenant's file was served."""
    raw = b"".join(b"\0" + bytes(rgb) * size for _ in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _brand_tenant(live: LiveServer, slug: str) -> str:
    password = "nike-owner-password"
    live.flowai(
        "tenants",
        "create",
        slug,
        "--name",
        "Nike",
        "--owner-email",
        f"owner@{slug}.example",
        "--owner-password",
        password,
    )
    host = f"{slug}.localhost:{live.port}"
    with httpx.Client(base_url=f"http://127.0.0.1:{live.port}", headers={"Host": host}) as c:
        token = c.get("/v1/auth/csrf").json()["csrf_token"]
        h = {"X-CSRF-Token": token}
        assert (
            c.post(
                "/v1/auth/login", json={"email": f"owner@{slug}.example", "password": password}, headers=h
            ).status_code
            == 200
        )
        r = c.patch(
            "/v1/tenant",
            json={
                "name": "Nike",
                "colors": {
                    "primary": "#ff6600",
                    "background": "#ffffff",
                    "surface": "#f5f5f5",
                    "text": "#111111",
                    "muted": "#555555",
                },
            },
            headers=h,
        )
        assert r.status_code == 200, r.text
        assert c.put("/v1/tenant/logo", content=_png((255, 102, 0)), headers=h).status_code == 200
    return host


def _look(page: Any, url: str) -> dict[str, str]:
    page.goto(url)
    logo = page.get_by_role("img").first
    expect(logo).to_be_visible()
    return dict(
        page.evaluate(
            """() => {
              const root = getComputedStyle(document.documentElement);
              return {
                primary: root.getPropertyValue('--flowai-primary').trim(),
                background: getComputedStyle(document.documentElement).backgroundColor,
                text: getComputedStyle(document.documentElement).color,
                logo: root.getPropertyValue('--flowai-logo').trim(),
                title: document.title,
              };
            }"""
        )
    ) | {"logo_name": logo.get_attribute("aria-label") or ""}


def test_two_hosts_two_brands(live_server: LiveServer, page: Any, artifacts: Path) -> None:
    slug = f"nike{uuid.uuid4().hex[:6]}"
    nike_host = _brand_tenant(live_server, slug)

    default = _look(page, f"http://localhost:{live_server.port}/login")
    page.screenshot(path=str(artifacts / "flowai-login.png"))
    nike = _look(page, f"http://{nike_host}/login")
    page.screenshot(path=str(artifacts / "nike-login.png"))

    assert default["primary"] == "#7c3aed" and nike["primary"] == "#ff6600"
    assert default["background"] == "rgb(11, 11, 16)" and nike["background"] == "rgb(255, 255, 255)"
    assert default["text"] == "rgb(244, 244, 245)" and nike["text"] == "rgb(17, 17, 17)"
    assert default["logo_name"] == "FlowAI" and nike["logo_name"] == "Nike"
    # the logo image itself differs: Nike's uploaded orange PNG vs FlowAI's monogram SVG
    nike_logo = httpx.get(
        f"http://127.0.0.1:{live_server.port}/v1/tenant/logo",
        headers={"Host": nike_host},
        follow_redirects=True,
    )
    assert nike_logo.content == _png((255, 102, 0))
    flowai_logo = httpx.get(
        f"http://127.0.0.1:{live_server.port}/v1/tenant/logo",
        headers={"Host": f"localhost:{live_server.port}"},
    )
    assert flowai_logo.headers["content-type"].startswith("image/svg+xml")


DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
BRAND_FONT = "FlowAI Brand Font"  # the @font-face family /theme.css gives an uploaded font

# What the running page says about its fonts: the computed family of the app and of the preview,
# and which @font-face families it holds loaded. (`document.fonts.check` alone is true for a
# family no face declares, so the loaded faces are listed too.)
FONTS_JS = """() => {
  const faces = [...document.fonts].map((f) => ({ family: f.family.replace(/"/g, ''), status: f.status }));
  const preview = document.querySelector('[data-testid="brand-preview"]');
  return {
    body: getComputedStyle(document.body).fontFamily,
    preview: preview ? getComputedStyle(preview).fontFamily : null,
    check: document.fonts.check('16px "FlowAI Brand Font"'),
    loaded: faces.filter((f) => f.status === 'loaded').map((f) => f.family),
  };
}"""


def _font_file() -> Path:
    """Debian's fonts-dejavu-core (installed by the Makefile), DejaVu Serif when it is there."""
    serif = DEJAVU / "DejaVuSerif.ttf"
    if serif.exists():
        return serif
    found = sorted(DEJAVU.glob("*.ttf"))
    if not found:
        pytest.skip("fonts-dejavu-core is not installed (make test installs it when run as root)")
    return found[0]


def _login(page: Any, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base}/dashboard")


def _favicon(page: Any) -> dict[str, Any]:
    """The page's favicon link and what it serves, fetched by the page itself."""
    return dict(
        page.evaluate(
            """async () => {
              const link = document.querySelector('link[rel~="icon"]');
              const r = await fetch(link.href);
              return {
                href: link.getAttribute('href'),
                type: r.headers.get('content-type'),
                bytes: Array.from(new Uint8Array(await r.arrayBuffer())),
              };
            }"""
        )
    )


def test_uploaded_font_and_favicon(live_server: LiveServer, page: Any, artifacts: Path) -> None:
    """Nike's admin uploads a font file and a favicon on the Admin page: the app, the preview and
    the tab use them at once, and after a reload; FlowAI's own host keeps its own."""
    font = _font_file()
    slug = f"nike{uuid.uuid4().hex[:6]}"
    nike = f"http://{_brand_tenant(live_server, slug)}"
    _login(page, nike, f"owner@{slug}.example", "nike-owner-password")
    page.goto(f"{nike}/admin")
    font_card = page.get_by_role("region", name="Font file")
    expect(font_card.get_by_text("Now: the font family alone.")).to_be_visible()
    assert BRAND_FONT not in page.evaluate(FONTS_JS)["loaded"]

    font_card.get_by_label("Upload a font file").set_input_files(str(font))
    expect(font_card.get_by_role("status")).to_have_text("Font updated everywhere.")
    expect(font_card.get_by_test_id("font-filename")).to_have_text(font.name)
    expect(font_card).to_contain_text("TTF")
    expect(font_card.get_by_role("button", name="Remove font file")).to_be_visible()
    # the running app re-fetched /theme.css: its @font-face loads, and the whole app uses it
    page.wait_for_function(
        """() => document.fonts.check('16px "FlowAI Brand Font"') &&
             [...document.fonts].some((f) => f.family.replace(/"/g, '') === 'FlowAI Brand Font' &&
                                             f.status === 'loaded')""",
        timeout=15000,
    )
    # the preview loaded the upload too, under a family of its own, ahead of the font family
    page.wait_for_function(
        """() => [...document.fonts].some((f) => f.family.replace(/"/g, '').startsWith('FlowAI Brand Preview') &&
                                                  f.status === 'loaded')""",
        timeout=15000,
    )
    fonts = page.evaluate(FONTS_JS)
    assert fonts["check"] is True
    assert fonts["body"].startswith(f'"{BRAND_FONT}"'), fonts
    assert fonts["preview"].startswith('"FlowAI Brand Preview '), fonts
    served = httpx.get(
        f"http://127.0.0.1:{live_server.port}/v1/tenant/font", headers={"Host": nike.removeprefix("http://")}
    )
    assert served.content == font.read_bytes() and served.headers["content-type"] == "font/ttf"

    favicon_png = _png((0, 128, 255), size=32)
    favicon_card = page.get_by_role("region", name="Favicon")
    favicon_card.get_by_label("Upload a new favicon").set_input_files(
        files=[{"name": "favicon.png", "mimeType": "image/png", "buffer": favicon_png}]
    )
    expect(favicon_card.get_by_role("status")).to_have_text("Favicon updated everywhere.")
    expect(page.locator('link[rel~="icon"]')).to_have_attribute(
        "href", re.compile(r"^/v1/tenant/favicon\?v=\w+$")
    )
    icon = _favicon(page)
    assert bytes(icon["bytes"]) == favicon_png and icon["type"] == "image/png", icon["href"]
    page.screenshot(path=str(artifacts / "nike-admin-font-favicon.png"), full_page=True)

    # a fresh load: the same font and favicon straight from /theme.css and the theme
    page.goto(f"{nike}/dashboard")
    page.wait_for_function(
        """() => [...document.fonts].some((f) => f.family.replace(/"/g, '') === 'FlowAI Brand Font' &&
                                                  f.status === 'loaded')""",
        timeout=15000,
    )
    assert page.evaluate(FONTS_JS)["body"].startswith(f'"{BRAND_FONT}"')
    expect(page.locator('link[rel~="icon"]')).to_have_attribute("href", icon["href"])
    assert bytes(_favicon(page)["bytes"]) == favicon_png
    page.screenshot(path=str(artifacts / "nike-dashboard-font.png"))

    # removing the font file puts the font family back, in the running app too
    page.goto(f"{nike}/admin")
    font_card = page.get_by_role("region", name="Font file")
    font_card.get_by_role("button", name="Remove font file").click()
    page.get_by_role("alertdialog", name="Remove the font file?").get_by_role(
        "button", name="Remove font file"
    ).click()
    expect(font_card.get_by_role("status")).to_have_text(
        "Font file removed: the workspace uses the font family alone."
    )
    page.wait_for_function(
        """() => !getComputedStyle(document.body).fontFamily.startsWith('"FlowAI Brand Font"')"""
    )
    expect(font_card.get_by_role("button", name="Remove font file")).to_have_count(0)

    # FlowAI's own host: no brand font, and its favicon is its monogram
    page.goto(f"http://localhost:{live_server.port}/login")
    expect(page.get_by_label("Email")).to_be_visible()
    flowai = page.evaluate(FONTS_JS)
    assert not flowai["body"].startswith(f'"{BRAND_FONT}"'), flowai
    assert BRAND_FONT not in flowai["loaded"]
    assert (
        page.evaluate("() => getComputedStyle(document.documentElement).getPropertyValue('--flowai-font')")
        .strip()
        .startswith("Inter")
    )
    assert _favicon(page)["type"].startswith("image/svg+xml")
