"""A creator edits by the transcript in the browser: transcribe a talking clip, delete a word
(one undo step), add boxed captions, export. The export has exactly the deleted word's frames
gone (read from the barcodes), and at sampled frames the preview and the export agree: the same
caption line on the same frames (box present in the export where the preview shows the line,
absent where it does not) and PSNR >= 30 dB outside the caption box."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flowai_browser import new_project, sign_up
from flowai_media import CODE_ROWS, H, W, read_barcode, talking_clip, video_frames
from flowai_testkit import LiveServer
from PIL import Image
from playwright.sync_api import expect

from .test_editor import composition_box, export_pictures, preview_picture, psnr  # type: ignore[import-not-found]

pytestmark = [pytest.mark.browser, pytest.mark.slow]
FPS = 30
MARGIN = 5  # pixels (at 320x180) around the caption box: libass and the browser draw text differently


def caption_keep(page: Any) -> np.ndarray | None:
    """True outside the preview's caption line box (plus a margin), 320x180; None: no caption."""
    line = page.locator("section[aria-label=Preview] [data-caption-line] span").first
    if line.count() == 0:
        return None
    box, text = composition_box(page), line.bounding_box()
    assert text
    sx, sy = W / box["width"], H / box["height"]
    keep = np.ones((H, W), dtype=bool)
    top = math.floor((text["y"] - box["y"]) * sy) - MARGIN
    left = math.floor((text["x"] - box["x"]) * sx) - MARGIN
    bottom = math.ceil((text["y"] + text["height"] - box["y"]) * sy) + MARGIN
    right = math.ceil((text["x"] + text["width"] - box["x"]) * sx) + MARGIN
    keep[max(0, top) : bottom, max(0, left) : right] = False
    return keep


def test_transcript_delete_word_captions_and_export(
    live_server: LiveServer, page: Any, artifacts: Path, tmp_path: Path
) -> None:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (make deps installs it)")
    base = live_server.url
    page.set_viewport_size({"width": 1440, "height": 900})
    talk, _speech = talking_clip(tmp_path, FPS, colorspace="bt709")
    frames = video_frames(talk)

    sign_up(page, base, "captions", "Walter Murch")
    project_id = new_project(page, base, "Interview")
    page.get_by_label("Upload media files").set_input_files([str(talk)])
    page.get_by_role("button", name="Add talk.mp4 to the timeline").click()
    expect(page.get_by_role("status").filter(has_text="All changes saved")).to_be_visible(timeout=15000)

    panel = page.get_by_role("region", name="Transcript")
    panel.get_by_role("button", name="Transcribe talk.mp4").click()
    words = panel.get_by_label("Transcript words")
    expect(words.get_by_role("button", name=re.compile(r"^Hello"))).to_be_visible(timeout=60000)
    count = words.get_by_role("button").count()
    there = words.get_by_role("button").nth(1)  # the second word ("there")
    there.click()  # seeks to the word and selects it
    start = int(there.get_attribute("data-start") or -1)
    page.wait_for_function("f => window.flowaiEditorPlayer.getCurrentFrame() === f", arg=start)
    panel.get_by_role("button", name="Delete selected words").click()
    expect(words.get_by_role("button")).to_have_count(count - 1, timeout=15000)
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("Control+z")  # one undo step brings the word back
    expect(words.get_by_role("button")).to_have_count(count, timeout=15000)
    page.keyboard.press("Control+Shift+z")
    expect(words.get_by_role("button")).to_have_count(count - 1, timeout=15000)
    expect(page.get_by_role("status").filter(has_text="All changes saved")).to_be_visible(timeout=15000)

    panel.get_by_label("Style").select_option("boxed")
    panel.get_by_role("button", name="Add captions").click()
    lines = panel.get_by_role("list", name="Caption lines")
    expect(lines.get_by_role("listitem").first).to_be_visible(timeout=15000)
    expect(page.get_by_role("status").filter(has_text="All changes saved")).to_be_visible(timeout=15000)
    page.screenshot(path=str(artifacts / "editor-captions.png"))

    timeline = page.request.get(f"{base}/v1/projects/{project_id}").json()["timeline"]
    clips = timeline["video_tracks"][0]["clips"]
    kept = [
        n for c in sorted(clips, key=lambda c: c["start"]) for n in range(c["source_in"], c["source_out"])
    ]
    assert len(kept) < frames and len(clips) == 2  # the word's frames are cut out of the clip
    captions = timeline["captions"]["lines"]
    assert captions and timeline["captions"]["style"] == "boxed"

    export_id = page.evaluate(
        """async (pid) => {
          const token = (await (await fetch('/v1/auth/csrf')).json()).csrf_token;
          const r = await fetch(`/v1/projects/${pid}/exports`, {method: 'POST', body: JSON.stringify(
            {preset: '720p', quality: 'high'}), headers: {'Content-Type': 'application/json', 'X-CSRF-Token': token}});
          return (await r.json()).id;
        }""",
        project_id,
    )
    url = None
    for _ in range(240):  # the export job: poll its status from the page (the session's cookie)
        state = page.evaluate("async id => (await fetch('/v1/exports/' + id)).json()", export_id)
        assert state["status"] != "failed", state
        if state["status"] == "succeeded" and state["download_url"]:
            url = str(state["download_url"])
            break
        page.wait_for_timeout(500)
    assert url, "the export did not finish in 2 minutes"
    out = tmp_path / "export.mp4"
    out.write_bytes(page.request.get(url if url.startswith("http") else f"{base}{url}").body())
    exported = export_pictures(out)
    assert len(exported) == len(kept)
    shown = [read_barcode(p[:CODE_ROWS].astype(np.float64).mean(axis=2)) for p in exported]
    assert shown == [(3, n) for n in kept]  # exactly the deleted word's frames are gone

    # preview vs export at frames inside lines, at their first and last frames and just after
    probes = set()
    for line in captions[:3]:
        end = line["start"] + line["length"]
        probes |= {line["start"], line["start"] + line["length"] // 2, end - 1, end}
    plain_frame = next(
        f for f in range(len(kept)) if not any(c["start"] <= f < c["start"] + c["length"] for c in captions)
    )
    results = {}
    for f in sorted(p for p in probes if p < len(kept)):
        preview = preview_picture(page, f)
        keep = caption_keep(page)
        on = any(c["start"] <= f < c["start"] + c["length"] for c in captions)
        assert (keep is not None) == on, f"frame {f}: preview caption {'missing' if on else 'shown'}"
        region = ~keep if keep is not None else None
        if region is not None:  # the export's box darkens the picture where the preview's line is
            darker = exported[plain_frame][region].mean() - exported[f][region].mean()
            assert darker > 20, f"frame {f}: no caption box in the export ({darker:.1f})"
        else:
            assert (
                np.abs(
                    exported[f][CODE_ROWS:].astype(int) - exported[plain_frame][CODE_ROWS:].astype(int)
                ).mean()
                < 3
            )
        results[f] = psnr(preview, exported[f], keep if keep is not None else np.ones((H, W), dtype=bool))
        if f == captions[0]["start"] + captions[0]["length"] // 2:
            page.screenshot(path=str(artifacts / "editor-captions-preview.png"))
            pair = np.concatenate([preview, exported[f]], axis=0)
            Image.fromarray(pair).resize((W * 3, H * 6), Image.Resampling.NEAREST).save(
                artifacts / "captions-preview-vs-export.png"
            )
    (artifacts / "captions-psnr.txt").write_text("\n".join(f"{f}: {v} dB" for f, v in results.items()))
    assert min(results.values()) >= 30, results
