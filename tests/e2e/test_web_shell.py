"""A person signs up, logs out, logs in and sees the dashboard, in a real browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flowai_testkit import PASSWORD, LiveServer, unique_email
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_signup_login_dashboard(live_server: LiveServer, page: Any, artifacts: Path) -> None:
    base = live_server.url
    email = unique_email("e2e")
    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/login")

    page.goto(f"{base}/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Display name").fill("Margaret Hamilton")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert").first).to_contain_text("10")  # the password rule, next to the field
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(f"{base}/dashboard")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Margaret")
    for feature in ("Voice", "Editor", "Shares", "Admin"):
        expect(
            page.get_by_role("navigation", name="Features").get_by_role("link", name=feature)
        ).to_be_visible()
    page.screenshot(path=str(artifacts / "dashboard-after-signup.png"), full_page=True)

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{base}/login")
    page.goto(f"{base}/dashboard")
    expect(page).to_have_url(f"{base}/login")  # the session is gone

    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base}/dashboard")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Margaret")
    # the brand arrives as CSS variables from /theme.css
    primary = page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--flowai-primary').trim()"
    )
    assert primary == "#7c3aed"
    page.screenshot(path=str(artifacts / "dashboard.png"), full_page=False)
