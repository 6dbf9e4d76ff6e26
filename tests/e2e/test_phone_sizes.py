"""Every page at a phone's size (390x844) and a desktop's (1440x900): nothing wider than the
screen, the key controls visible and on top (not covered by the header or a neighbour), the side
navigation behind a menu button on the phone. Screenshots of each go to the test's artifacts."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from flowai_browser import new_project
from flowai_testkit import LiveServer
from playwright.sync_api import expect

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
PASSWORD = "phone-owner-password"

ON_TOP = """(el) => {
  el.scrollIntoView({ block: "center", inline: "center" });
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return "has no size";
  if (r.left < 0 || r.right > window.innerWidth + 0.5) return `outside the screen: ${r.left}..${r.right}`;
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  if (!hit) return "nothing at its centre";
  return hit === el || el.contains(hit) ? "" : `covered by <${hit.tagName.toLowerCase()} class="${hit.className}">`;
}"""
OVERFLOW = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
# the outermost elements that reach past the right edge (what to fix when the page is too wide)
WIDE = """() => [...document.querySelectorAll("body *")]
  .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
  .filter((el) => !el.parentElement || el.parentElement.getBoundingClientRect().right <= window.innerWidth + 0.5)
  .slice(0, 5)
  .map((el) => `<${el.tagName.toLowerCase()} class="${el.className}"> ${el.textContent.slice(0, 40)}`)"""


# visible elements past the right edge that no sideways-scrolling box holds: cut off, not scrollable
CUT = """() => [...document.querySelectorAll("body *")].filter((el) => {
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0 || r.right <= window.innerWidth + 0.5) return false;
  if (getComputedStyle(el).visibility === "hidden") return false;
  for (let p = el.parentElement; p; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX;
    if ((o === "auto" || o === "scroll") && p.getBoundingClientRect().right <= window.innerWidth + 0.5) return false;
  }
  return true;
}).slice(0, 5).map((el) => `<${el.tagName.toLowerCase()} class="${el.className}"> ${el.textContent.slice(0, 40)}`)"""


def assert_fits(page: Any, name: str) -> None:
    width, screen = page.evaluate(OVERFLOW)
    assert width <= screen, (
        f"{name}: the document is {width}px wide on a {screen}px screen: {page.evaluate(WIDE)}"
    )
    cut = page.evaluate(CUT)
    assert not cut, f"{name}: cut off at the right edge: {cut}"


def assert_usable(page: Any, name: str, *controls: Any) -> None:
    assert_fits(page, name)
    for control in controls:
        expect(control).to_be_visible()
        problem = control.evaluate(ON_TOP)
        assert not problem, f"{name}: {control} {problem}"
    page.evaluate("window.scrollTo(0, 0)")


def shoot(page: Any, artifacts: Path, name: str, size: dict[str, int]) -> None:
    page.screenshot(path=str(artifacts / f"{name}-{size['width']}x{size['height']}.png"))


def _tenant(live: LiveServer) -> tuple[str, str]:
    slug = f"phone-{uuid.uuid4().hex[:6]}"
    email = f"owner@{slug}.example"
    live.flowai(
        "tenants", "create", slug, "--name", "Phone Co", "--owner-email", email, "--owner-password", PASSWORD
    )
    return f"http://{slug}.localhost:{live.port}", email


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_page_fits(
    live_server: LiveServer, browser: Any, artifacts: Path, size: dict[str, int]
) -> None:
    base, email = _tenant(live_server)
    context = browser.new_context(viewport=size)
    page = context.new_page()
    page.set_default_timeout(15000)
    phone = size == PHONE
    try:
        # signed out: log in, sign up, forgot password
        page.goto(f"{base}/login")
        assert_usable(
            page,
            "login",
            page.get_by_role("button", name="Log in"),
            page.get_by_role("link", name="Forgot password?"),
        )
        shoot(page, artifacts, "login", size)
        page.goto(f"{base}/signup")
        assert_usable(page, "signup", page.get_by_role("button", name="Create account"))
        shoot(page, artifacts, "signup", size)
        page.goto(f"{base}/forgot-password")
        assert_usable(page, "forgot", page.get_by_role("button", name="Email me a reset link"))
        shoot(page, artifacts, "forgot-password", size)

        page.goto(f"{base}/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(f"{base}/dashboard")

        menu = page.get_by_role("button", name="Open menu")
        nav = page.get_by_role("navigation", name="Main")
        logout = page.get_by_role("button", name="Log out")
        if phone:
            expect(nav).to_be_hidden()
            assert_usable(page, "dashboard", menu, logout, page.get_by_role("heading", level=1))
            shoot(page, artifacts, "dashboard", size)
            menu.click()
            assert_usable(
                page, "menu", nav.get_by_role("link", name="Editor"), nav.get_by_role("link", name="Admin")
            )
            shoot(page, artifacts, "menu", size)
            nav.get_by_role("link", name="Voice").click()  # the drawer closes on navigation
            expect(nav).to_be_hidden()
        else:
            expect(menu).to_be_hidden()
            assert_usable(page, "dashboard", nav.get_by_role("link", name="Editor"), logout)
            shoot(page, artifacts, "dashboard", size)
            page.goto(f"{base}/voice")
        expect(page).to_have_url(f"{base}/voice")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_usable(page, "voice", logout)
        shoot(page, artifacts, "voice", size)

        page.goto(f"{base}/shares")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_usable(page, "shares", logout)
        shoot(page, artifacts, "shares", size)

        page.goto(f"{base}/admin?tab=members")
        assert_usable(
            page,
            "admin",
            page.get_by_role("button", name="Send invite"),
            page.get_by_label("Invite by email"),
            page.get_by_label("Role", exact=True),
        )
        shoot(page, artifacts, "admin-members", size)

        new_project(page, base, "Phone cut")
        expect(page.get_by_role("heading", level=1)).to_have_text("Phone cut")
        timeline = page.get_by_role("region", name="Timeline")
        assert_usable(
            page,
            "editor",
            page.get_by_role("button", name="Export", exact=True),
            page.get_by_role("region", name="Preview"),
            page.get_by_role("button", name="Play preview"),
            timeline.get_by_role("button", name="Add text"),
        )
        # the timeline scrolls sideways inside itself, the page does not
        page.get_by_role("button", name="Add text").click()
        assert_fits(page, "editor with a clip")
        shoot(page, artifacts, "editor", size)
        page.screenshot(
            path=str(artifacts / f"editor-full-{size['width']}x{size['height']}.png"), full_page=True
        )
    finally:
        context.close()
