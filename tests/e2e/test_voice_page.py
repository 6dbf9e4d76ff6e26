"""A creator uploads a recording on the Voice page, consents, watches it clone, sees the
quality numbers, and hears a line in the new voice next to the default one (real browser,
real `flowai serve`, the local engine)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flowai_browser import sign_up
from flowai_testkit import LiveServer
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_upload_clone_and_hear_it(
    live_server: LiveServer, page: Any, artifacts: Path, recording: Path
) -> None:
    base = live_server.url
    sign_up(page, base, "voice", "Orson Welles")

    page.goto(f"{base}/voice")
    expect(page.get_by_role("heading", level=1)).to_have_text("Voice")
    expect(page.get_by_text("No voice yet.")).to_be_visible()
    page.get_by_label("Upload a recording").set_input_files(str(recording))
    # the browser measured the file: over a minute of speech, no clipping warning
    expect(page.get_by_test_id("speech-seconds")).not_to_have_text("0")
    assert int(page.get_by_test_id("speech-seconds").inner_text()) >= 60
    expect(page.get_by_text("The recording clips")).to_have_count(0)
    clone = page.get_by_role("button", name="Clone my voice")
    expect(clone).to_be_disabled()  # consent first
    page.get_by_role("checkbox").check()
    clone.click()
    # progress from the first second: the upload's share, then each stage of the job
    expect(page.get_by_label("Cloning progress")).to_be_visible(timeout=10_000)
    progress = page.get_by_test_id("clone-progress")
    expect(progress).to_have_text(re.compile(r"(Uploading|Waiting to start|Checking the recording)… \d+%"))
    expect(progress).to_have_text(re.compile(r"Building your voice… \d+%"), timeout=120_000)
    page.screenshot(path=str(artifacts / "voice-cloning.png"), full_page=True)

    quality = page.get_by_label("Quality")
    expect(quality).to_be_visible(timeout=240_000)
    expect(page.get_by_test_id("voice-status")).to_have_attribute("data-status", "ready")
    for label in ("Similarity to you", "Default voice", "Word error rate"):
        expect(quality.get_by_text(label)).to_be_visible()
    expect(quality).to_contain_text("%")

    page.get_by_label("Text to speak").fill("Hello from my new voice.")
    page.get_by_role("button", name="Speak").click()
    page.wait_for_selector("audio[aria-label='Cloned voice'], [role=alert]", timeout=120_000)
    page.screenshot(path=str(artifacts / "voice-spoken.png"), full_page=True)
    alerts = page.get_by_role("alert").all_inner_texts()
    assert not alerts, alerts
    expect(page.locator("audio[aria-label='Cloned voice']")).to_have_count(1, timeout=60_000)
    expect(page.locator("audio[aria-label='Default voice']")).to_have_count(1)
    page.screenshot(path=str(artifacts / "voice-ready.png"), full_page=True)
