"""/docs renders the API reference in Chromium with every request outside the app refused: the
Swagger UI assets come from the package, not a CDN."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flowai_testkit import LiveServer
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_docs_render_without_internet(live_server: LiveServer, page: Any, artifacts: Path) -> None:
    outside: list[str] = []

    def only_the_app(route: Any) -> None:
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_app)
    page.goto(f"{live_server.url}/docs")
    expect(page.locator(".opblock-summary-path", has_text="/v1/me").first).to_be_visible(timeout=20_000)
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    assert page.locator(".opblock").count() > 50
    assert not outside, f"/docs asked the internet for {outside}"
    page.screenshot(path=str(artifacts / "docs-offline.png"))
