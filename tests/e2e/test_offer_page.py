"""An offer's public page from outside: a creator offers a finished export (custodial signing on the
dev chain that `flowai serve` starts); the raw HTML of /v/<id> carries the Open Graph card for
link previews (no JavaScript), and a signed-out browser sees the page, not the login form."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx
import pytest
from flowai_media import make_barcode_video
from flowai_testkit import PASSWORD, LiveServer, unique_email, wait_until
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.chain]


def _wait_job(http: httpx.Client, job_id: str) -> None:
    def done() -> dict[str, Any] | None:
        job: dict[str, Any] = http.get(f"/v1/jobs/{job_id}").json()
        return job if job["status"] in ("succeeded", "failed", "cancelled") else None

    job = wait_until(done, timeout=120, interval=0.3, what=f"job {job_id}")
    assert job["status"] == "succeeded", job


def _offer(base: str, clip: Path) -> str:
    """Sign up, upload, export and offer over HTTP; returns the offer id."""
    http = httpx.Client(base_url=base, timeout=60)
    token = http.get("/v1/auth/csrf").json()["csrf_token"]
    r = http.post(
        "/v1/auth/signup",
        json={"email": unique_email("offer"), "password": PASSWORD, "display_name": "Ada"},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 201, r.text
    h = {"X-CSRF-Token": http.cookies.get("flowai_csrf") or token}
    asset = http.post(f"/v1/assets?filename={clip.name}", content=clip.read_bytes(), headers=h).json()
    timeline = {
        "canvas": {"width": 320, "height": 180, "fps": "30"},
        "video_tracks": [{"id": "v1", "clips": [
            {"id": "a", "asset_id": asset["id"], "source_in": 0, "source_out": 60, "start": 0}
        ]}],
        "audio_tracks": [{"id": "a1", "clips": []}],
    }  # fmt: skip
    project = http.post(
        "/v1/projects", json={"name": "Harbour at dusk", "timeline": timeline}, headers=h
    ).json()
    export = http.post(f"/v1/projects/{project['id']}/exports", json={"preset": "canvas"}, headers=h).json()
    _wait_job(http, export["job_id"])
    body = {"price_per_share_wei": str(10**15), "shares_for_sale": 1000, "revenue_share_bps": 2500}
    r = http.post(f"/v1/exports/{export['id']}/shares", json=body, headers=h)
    assert r.status_code == 202, r.text
    _wait_job(http, r.json()["job_id"])
    rev = http.post(f"/v1/videos/{export['id']}/revenue", json={"amount_wei": str(3 * 10**18)}, headers=h)
    assert rev.status_code == 201, rev.text
    return str(r.json()["offer_id"])


def test_public_offer_page_signed_out_with_open_graph_card(
    live_server: LiveServer, browser: Any, artifacts: Path, tmp_path: Path
) -> None:
    clip = make_barcode_video(tmp_path / "clip.mp4", fps=Fraction(30), frames=60, source_id=2)
    offer_id = _offer(live_server.url, clip)
    url = f"{live_server.url}/v/{offer_id}"

    # what a link preview sees: the raw HTML, no JavaScript, no cookies
    raw = httpx.get(url, timeout=30)
    assert raw.status_code == 200
    og = dict(re.findall(r'<meta property="(og:[a-z:_]+)" content="([^"]*)"', raw.text))
    assert og["og:title"] == "Harbour at dusk"
    assert "0.001 FLOW per share" in og["og:description"]
    assert og["og:image"] == f"{live_server.url}/v1/offers/{offer_id}/poster"
    assert og["og:video"] == f"{live_server.url}/v1/offers/{offer_id}/video"
    poster = httpx.get(og["og:image"], follow_redirects=True, timeout=30)
    assert poster.status_code == 200 and poster.content[:3] == b"\xff\xd8\xff"

    for width, height in ((1440, 900), (390, 844)):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto(url)
        expect(page.get_by_role("heading", name="Harbour at dusk", level=1)).to_be_visible()
        assert page.url == url  # not sent to /login
        expect(page.get_by_test_id("offer-price")).to_have_text("0.001 FLOW")
        expect(page.get_by_test_id("offer-sold")).to_have_text("0 of 1,000")
        expect(page.get_by_test_id("offer-revenue")).to_have_text("3 FLOW")
        expect(page.get_by_test_id("revenue-chart")).to_be_visible()
        expect(page.get_by_test_id("offer-player")).to_have_attribute("src", f"/v1/offers/{offer_id}/video")
        expect(page.get_by_role("link", name="Invest in this video")).to_be_visible()
        page.wait_for_function(
            "() => { const v = document.querySelector('[data-testid=offer-player]'); return v && v.readyState >= 1 }"
        )
        page.screenshot(path=str(artifacts / f"offer-page-{width}x{height}.png"), full_page=True)
        context.close()
