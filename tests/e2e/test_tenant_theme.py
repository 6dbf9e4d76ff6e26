"""White-label: the same page on two hosts shows each tenant's colours and logo, no rebuild."""

from __future__ import annotations

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
