"""Steps the browser tests share: a new account through the sign-up page, a new editor project."""

from __future__ import annotations

import re
from typing import Any

from flowai_testkit import PASSWORD, unique_email
from playwright.sync_api import expect


def sign_up(page: Any, base: str, who: str, name: str) -> None:
    """Create an account on /signup (a fresh address tagged `who`) and land on the dashboard."""
    page.goto(f"{base}/signup")
    page.get_by_label("Email").fill(unique_email(who))
    page.get_by_label("Display name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(f"{base}/dashboard")


def new_project(page: Any, base: str, name: str) -> str:
    """Create an editor project from /editor; its page is open afterwards. Returns its id."""
    page.goto(f"{base}/editor")
    page.get_by_label("Project name").fill(name)
    page.get_by_role("button", name="Create project").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(base)}/editor/[^/]+$"))
    return str(page.url.rsplit("/", 1)[-1])
