"""The creator's journey as one product, in Chromium, with two people in two browser contexts.

The creator signs up, clones their voice, makes a project (upload, trim, narration in the cloned
voice, Magic Cut), exports it and offers its shares from the export. A fan opens the public page
signed out, signs up from it, invests with an EIP-1193 wallet (the test provider forwards to the
dev chain `flowai serve` started, where anvil signs for its unlocked dev accounts), the platform
records revenue and a royalty run deposits it, and the fan claims: exact wei on chain.

Every page is photographed at 1440x900 and 390x844 into the test's artifacts; with
FLOWAI_UPDATE_SCREENSHOTS=1 the desktop set also replaces docs/screenshots/ (the README's tour).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from flowai_browser import new_project
from flowai_media import talking_clip, video_frames
from flowai_testkit import PASSWORD, LiveServer, unique_email, wait_until
from playwright.sync_api import expect
from web3 import HTTPProvider, Web3

from flowai.shares import artifacts as contract_artifacts

pytestmark = [pytest.mark.browser, pytest.mark.chain, pytest.mark.slow]

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
FPS = 30
TRIM = 6  # frames trimmed off the start of the talking clip with its handle
FAN = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"  # anvil dev account 2
PRICE_FLOW = "0.002"
PRICE_WEI = 2 * 10**15
BOUGHT = 250
REVENUE_WEI = 4 * 10**18
SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
WALLET = (Path(__file__).parent / "test_invest.py").read_text().split('WALLET = """', 1)[1].split('"""', 1)[0]


def video_length(timeline: dict[str, Any]) -> int:
    return max(
        c["start"] + c["source_out"] - c["source_in"] for t in timeline["video_tracks"] for c in t["clips"]
    )


def shoot(page: Any, artifacts: Path, name: str, update: bool = False) -> None:
    """The page at both sizes (full page), back at desktop size afterwards."""
    for size, tag in ((DESKTOP, "1440x900"), (PHONE, "390x844")):
        page.set_viewport_size(size)
        page.wait_for_timeout(0)  # let the layout settle before the picture (no fixed sleep)
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        path = artifacts / f"{name}-{tag}.png"
        page.screenshot(path=str(path), full_page=True)
        if update and size is DESKTOP:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, SCREENSHOTS / f"{name}.png")
    page.set_viewport_size(DESKTOP)


def test_edit_export_offer_invest_and_get_paid(
    live_server: LiveServer, browser: Any, artifacts: Path, tmp_path: Path, recording: Path
) -> None:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (make deps installs it): the talking clip needs it")
    base = live_server.url
    update = os.environ.get("FLOWAI_UPDATE_SCREENSHOTS") == "1"
    creator = browser.new_context(viewport=DESKTOP)
    page = creator.new_page()
    page.set_default_timeout(20_000)

    # --- the creator signs up ---------------------------------------------------------------
    page.goto(f"{base}/signup")
    shoot(page, artifacts, "signup", update)
    page.get_by_label("Email").fill(unique_email("creator"))
    page.get_by_label("Display name").fill("Agnès Varda")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(f"{base}/dashboard")

    # --- clones their voice: progress from the first second, then the quality numbers ---------
    page.goto(f"{base}/voice")
    page.get_by_label("Upload a recording").set_input_files(str(recording))
    expect(page.get_by_test_id("speech-seconds")).not_to_have_text("0")
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Clone my voice").click()
    expect(page.get_by_label("Cloning progress")).to_be_visible(timeout=10_000)
    shoot(page, artifacts, "voice-cloning")
    expect(page.get_by_test_id("voice-status")).to_have_attribute("data-status", "ready", timeout=300_000)
    expect(page.get_by_label("Quality")).to_contain_text("%")
    shoot(page, artifacts, "voice", update)

    # --- edits: upload, trim, narrate in the cloned voice, Magic Cut ---------------------------
    project_id = new_project(page, base, "Harbour at dusk")
    talk, _speech = talking_clip(tmp_path, FPS)  # two lines between pauses: silences to find
    uncut = video_frames(talk)
    page.get_by_label("Upload media files").set_input_files(str(talk))
    expect(page.get_by_role("list", name="Media bin").get_by_role("listitem")).to_have_count(
        1, timeout=30_000
    )
    page.get_by_role("button", name="Add talk.mp4 to the timeline").click()
    clip = page.get_by_role("button", name=re.compile(r"^Clip talk\.mp4"))
    expect(clip).to_have_count(1)
    handle = page.get_by_role("slider", name="Trim start of talk.mp4")
    handle.focus()
    for _ in range(TRIM):
        handle.press("ArrowRight")

    page.get_by_label("Narration", exact=True).fill("Hello.")  # shorter than the cut video
    page.get_by_label("Narration voice").select_option("me")
    page.get_by_role("button", name="Narrate at playhead").click()
    narration = page.get_by_role("button", name="Clip Narration", exact=True)
    expect(narration).to_have_count(1, timeout=120_000)

    clip.first.click()
    page.get_by_role("button", name="Magic Cut", exact=True).click()
    magic = page.get_by_role("region", name="Magic Cut")
    expect(magic).to_contain_text(re.compile(r"Found [1-9]\d* silences"), timeout=90_000)
    magic.get_by_role("button", name="Apply Magic Cut").click()
    expect(page.get_by_text("Magic Cut applied as one step")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="All changes saved")).to_be_visible(timeout=15_000)
    timeline = page.request.get(f"{base}/v1/projects/{project_id}").json()["timeline"]
    (artifacts / "timeline.json").write_text(json.dumps(timeline, indent=2))
    talk_clips = list(timeline["video_tracks"][0]["clips"])
    kept = sum(c["source_out"] - c["source_in"] for c in talk_clips)
    removed = (uncut - TRIM) - kept
    assert len(talk_clips) >= 2 and removed > FPS // 2, talk_clips  # the pauses went
    assert min(c["source_in"] for c in talk_clips) >= TRIM  # the trim held
    [voice_clip] = [c for t in timeline["audio_tracks"] for c in t["clips"]]
    assert voice_clip.get("voice_id") not in (None, "default"), voice_clip  # narrated as "me"
    assert voice_clip["start"] + voice_clip["length"] <= video_length(timeline)

    # --- exports, then offers shares from the export ----------------------------------------
    page.get_by_label("Export preset").select_option("720p")
    page.get_by_label("Export quality").select_option("draft")
    page.get_by_role("button", name="Export", exact=True).click()
    download = page.get_by_role("link", name="Download MP4")
    expect(download).to_be_visible(timeout=180_000)
    mp4 = page.request.get(f"{base}{download.get_attribute('href')}")
    assert mp4.ok
    (tmp_path / "export.mp4").write_bytes(mp4.body())
    # trimming the head leaves the clip where it was (a gap of TRIM frames before it), so before
    # the cut the timeline ran `uncut` frames; the export is shorter by exactly what Magic Cut removed
    assert min(c["start"] for c in talk_clips) == TRIM
    assert video_frames(tmp_path / "export.mp4") == uncut - removed == video_length(timeline)
    page.evaluate("f => window.flowaiEditorPlayer.seekTo(f)", TRIM + FPS)  # a picture, not the head gap
    shoot(page, artifacts, "editor", update)

    page.get_by_role("button", name="Offer shares").click()
    offer_form = page.get_by_role("region", name="Offer shares")
    offer_form.get_by_label("Price per share (FLOW)").fill(PRICE_FLOW)
    offer_form.get_by_label("Shares to sell").fill("10000")
    offer_form.get_by_label("Revenue share for holders (%)").fill("50")
    expect(offer_form.get_by_test_id("offer-gross")).to_contain_text("20 FLOW")
    # the terms (fee, gas priced on the chain) come once the dev chain is up: it starts on first use
    expect(offer_form.get_by_test_id("offer-fee")).not_to_have_text("—", timeout=90_000)
    expect(offer_form.get_by_test_id("offer-gas")).not_to_have_text("—")
    shoot(page, artifacts, "offer-shares")
    offer_form.get_by_role("button", name="Confirm offer").click()
    link = offer_form.get_by_test_id("offer-link")
    expect(link).to_be_visible(timeout=120_000)
    offer_path = link.get_attribute("href")
    assert offer_path and offer_path.startswith("/v/")
    export_id = page.request.get(f"{base}/v1/projects/{project_id}/exports").json()["items"][0]["id"]

    for path, name in (
        ("/dashboard", "dashboard"),
        ("/shares", "shares"),
        ("/admin", "admin"),
        ("/editor", "projects"),
    ):
        page.goto(f"{base}{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        shoot(page, artifacts, name, update)

    chain = page.request.get(f"{base}/v1/shares/chain").json()
    w3 = Web3(HTTPProvider(chain["rpc_url"]))

    # --- a fan finds the public page signed out, signs up from it and invests ------------------
    fan = browser.new_context(viewport=DESKTOP)
    fan.add_init_script(WALLET % {"rpc": json.dumps(chain["rpc_url"]), "account": json.dumps(FAN.lower())})
    fan_page = fan.new_page()
    fan_page.set_default_timeout(20_000)
    fan_page.goto(f"{base}{offer_path}")
    expect(fan_page.get_by_role("heading", name="Harbour at dusk", level=1)).to_be_visible()
    expect(fan_page.get_by_test_id("offer-price")).to_have_text("0.002 FLOW")
    shoot(fan_page, artifacts, "offer-page", update)
    fan_page.goto(f"{base}/login")
    shoot(fan_page, artifacts, "login", update)
    fan_page.goto(f"{base}{offer_path}")
    fan_page.get_by_role("link", name="Invest in this video").click()
    fan_page.get_by_label("Email").fill(unique_email("fan"))
    fan_page.get_by_label("Display name").fill("A fan")
    fan_page.get_by_label("Password").fill(PASSWORD)
    fan_page.get_by_role("button", name="Create account").click()
    expect(fan_page).to_have_url(f"{base}{offer_path}")  # back on the offer after signing up

    fan_page.get_by_role("button", name="Invest in this video").click()
    fan_page.get_by_label("Shares to buy").fill(str(BOUGHT))
    expect(fan_page.get_by_label("Max price per share (FLOW)")).to_have_value(PRICE_FLOW)
    fan_page.get_by_role("button", name=f"Buy {BOUGHT} shares").click()
    expect(fan_page.get_by_role("status")).to_contain_text("confirmed in block", timeout=60_000)
    vault_address = w3.to_checksum_address(
        page.request.get(f"{base}/v1/videos/{export_id}/shares").json()["vault"]
    )
    vault = w3.eth.contract(address=vault_address, abi=contract_artifacts.load("VideoVault").abi)
    assert vault.functions.balanceOf(FAN).call() == BOUGHT * 10**18
    expect(fan_page.get_by_test_id("my-position")).to_contain_text(f"Your shares: {BOUGHT}", timeout=30_000)

    # --- revenue is recorded, a royalty run deposits the holders' part -------------------------
    csrf = {"X-CSRF-Token": page.request.get(f"{base}/v1/auth/csrf").json()["csrf_token"]}
    r = page.request.post(
        f"{base}/v1/videos/{export_id}/revenue", data={"amount_wei": str(REVENUE_WEI)}, headers=csrf
    )
    assert r.ok, r.text()
    run = page.request.post(
        f"{base}/v1/shares/royalty-runs", headers={**csrf, "Idempotency-Key": f"journey-{export_id}"}
    )
    assert run.ok, run.text()
    job_id = run.json()["id"]

    def finished() -> dict[str, Any] | None:
        job: dict[str, Any] = page.request.get(f"{base}/v1/jobs/{job_id}").json()
        return job if job["status"] in ("succeeded", "failed", "cancelled") else None

    assert wait_until(finished, timeout=120, interval=0.5, what="the royalty run")["status"] == "succeeded"
    holders_part = REVENUE_WEI // 2  # 50 % revenue share
    assert vault.functions.totalDeposited().call() == holders_part
    owed = vault.functions.claimableOf(FAN).call()
    exact = holders_part * BOUGHT // 10**6  # every one of the 1,000,000 shares earns
    assert exact - 1 <= owed <= exact

    # --- the fan claims: the wallet's balance grows by exactly the claim less the gas ----------
    fan_page.reload()
    fan_page.get_by_role("button", name="Invest in this video").click()
    claim = fan_page.get_by_role("button", name=re.compile(r"^Claim (?!0 FLOW)"))
    expect(claim).to_be_enabled(timeout=30_000)
    before = w3.eth.get_balance(FAN)
    claim.click()
    expect(fan_page.get_by_role("status")).to_contain_text("Claiming royalties: confirmed", timeout=60_000)
    [claimed] = vault.events.RevenueClaimed.get_logs(from_block=0, argument_filters={"holder": FAN})
    receipt = w3.eth.get_transaction_receipt(claimed["transactionHash"])
    gas = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert claimed["args"]["amount"] == owed
    assert w3.eth.get_balance(FAN) == before + owed - gas
    assert vault.functions.claimableOf(FAN).call() == 0
    shoot(fan_page, artifacts, "offer-page-holder")
    fan.close()
    creator.close()
