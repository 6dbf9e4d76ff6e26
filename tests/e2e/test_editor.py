"""A creator edits in the browser: project, three uploads, trim, crossfade, text, undo/redo,
Magic Cut (detect, apply, undo, redo), preview seek, export with live progress. The exported MP4
lasts exactly what the timeline says, shows the source frames the timeline puts at each position,
and the preview shows the export's picture: the same source frame (read from a barcode in both)
and the same colours (PSNR outside the text box)."""

from __future__ import annotations

import io
import json
import math
import re
import shutil
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flowai_browser import new_project, sign_up
from flowai_media import (
    CODE_ROWS,
    H,
    W,
    make_barcode_video,
    read_barcode,
    read_blended_barcode,
    talking_clip,
    video_frames,
)
from flowai_testkit import LiveServer
from PIL import Image
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]
FPS = 30
SOURCE_IDS = {"alpha.mp4": 1, "bravo.mp4": 2, "talk.mp4": 3}
MIN_PSNR = 30.0  # the bar, outside text boxes
TEXT_MARGIN = 3  # pixels (at 320x180) kept clear around the text box: the two renderers' text differs


# --- media ----------------------------------------------------------------------------------


def make_media(d: Path) -> tuple[list[Path], list[tuple[float, float]]]:
    """Three barcoded clips with smooth colour pictures: one untagged (FFmpeg's BT.601 default),
    one tagged BT.601 and one tagged BT.709 (that one speaks, with pauses, for Magic Cut)."""
    alpha = make_barcode_video(
        d / "alpha.mp4", fps=Fraction(FPS), frames=90, source_id=1, picture="gradient"
    )  # fmt: skip
    bravo = make_barcode_video(
        d / "bravo.mp4", fps=Fraction(FPS), frames=90, source_id=2, picture="gradient",
        colorspace="bt601",
    )  # fmt: skip
    talk, speech = talking_clip(d, FPS, colorspace="bt709")
    return [alpha, bravo, talk], speech


# --- what the timeline puts at a frame -------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """What a timeline frame shows: one source frame, or a crossfade `(1 - t) * a + t * b`."""

    a: tuple[int, int]
    b: tuple[int, int] | None = None
    t: float = 0.0


def shown_at(timeline: dict[str, Any], source_of: dict[str, int], frame: int) -> Shown | None:
    """(source id, source frame) the first video track shows at `frame` (all rates are 30 fps)."""
    track = timeline["video_tracks"][0]
    here = [c for c in track["clips"] if c["start"] <= frame < c["start"] + c["source_out"] - c["source_in"]]
    here.sort(key=lambda c: c["start"])
    seen = [(source_of[c["asset_id"]], c["source_in"] + frame - c["start"]) for c in here]
    if not seen:
        return None
    if len(seen) == 1:
        return Shown(seen[0])
    into = next(t for t in track["transitions"] if t["to_clip"] == here[1]["id"])
    return Shown(seen[0], seen[1], (frame - here[1]["start"]) / into["length"])


def timeline_duration(timeline: dict[str, Any]) -> int:
    ends = [
        c["start"] + c["source_out"] - c["source_in"] for t in timeline["video_tracks"] for c in t["clips"]
    ]
    ends += [o["start"] + o["length"] for o in timeline["overlays"]]
    return max(ends)


def read_shown(picture: np.ndarray, want: Shown) -> Shown | None:
    """What a 320x180 RGB picture shows, read from its barcode (a blend is read knowing t)."""
    gray = picture[:CODE_ROWS].astype(np.float64).mean(axis=2)
    if want.b is None:
        code = read_barcode(gray)
        return None if code is None else Shown(code)
    pair = read_blended_barcode(gray, want.t)
    return None if pair is None else Shown(pair[0], pair[1], want.t)


# --- pictures -------------------------------------------------------------------------------


def wait_for_preview_frame(page: Any, frame: int) -> None:
    """Seek the Remotion player and wait until it shows that frame and every video has decoded."""
    page.evaluate("f => window.flowaiEditorPlayer.seekTo(f)", frame)
    page.wait_for_function(
        """f => window.flowaiEditorPlayer && window.flowaiEditorPlayer.getCurrentFrame() === f &&
        [...document.querySelectorAll('section[aria-label=Preview] video')]
          .every(v => !v.seeking && v.readyState >= 2)""",
        arg=frame,
        timeout=15000,
    )
    # one more painted frame, so the screenshot holds what the videos now have decoded
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def composition_box(page: Any) -> dict[str, float]:
    """The composition's own box on the page (inside the player's letterbox), fractional px."""
    box = page.locator("section[aria-label=Preview] [data-composition=timeline]").bounding_box()
    assert box and box["width"] > 100, box
    return dict(box)


def preview_picture(page: Any, frame: int) -> np.ndarray:
    """The preview at `frame`: exactly the composition's box, box-filtered to 320x180 RGB.

    The screenshot is of the viewport, the box in viewport coordinates (a clip would be in page
    coordinates: off by the scroll offset), and the box's fractional edges are kept."""
    wait_for_preview_frame(page, frame)
    box = composition_box(page)
    shot = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
    exact = (box["x"], box["y"], box["x"] + box["width"], box["y"] + box["height"])
    return np.asarray(shot.resize((W, H), Image.Resampling.BOX, box=exact))


def text_mask(page: Any, name: str) -> np.ndarray:
    """True outside the text box named `name` (with a margin), in 320x180 picture coordinates."""
    box = composition_box(page)
    text = (
        page.locator("section[aria-label=Preview] [data-composition=timeline]")
        .get_by_text(name)
        .bounding_box()
    )
    assert text, f"text {name!r} is not in the preview"
    sx, sy = W / box["width"], H / box["height"]
    left = math.floor((text["x"] - box["x"]) * sx) - TEXT_MARGIN
    top = math.floor((text["y"] - box["y"]) * sy) - TEXT_MARGIN
    right = math.ceil((text["x"] + text["width"] - box["x"]) * sx) + TEXT_MARGIN
    bottom = math.ceil((text["y"] + text["height"] - box["y"]) * sy) + TEXT_MARGIN
    keep = np.ones((H, W), dtype=bool)
    keep[max(0, top) : bottom, max(0, left) : right] = False
    return keep


def export_pictures(path: Path) -> list[np.ndarray]:
    """Every frame of the export as RGB (converted by its BT.709 tag), box-filtered to 320x180."""
    import av

    out = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            assert frame.colorspace == 1, "exports are tagged BT.709"
            rgb = frame.to_ndarray(format="rgb24")
            out.append(np.asarray(Image.fromarray(rgb).resize((W, H), Image.Resampling.BOX)))
    return out


def psnr(a: np.ndarray, b: np.ndarray, keep: np.ndarray) -> float:
    diff = a[keep].astype(np.float64) - b[keep].astype(np.float64)
    mse = float(np.mean(diff**2))
    return 99.0 if mse == 0 else round(10 * math.log10(255.0**2 / mse), 2)


# --- the test -------------------------------------------------------------------------------


def test_edit_magic_cut_and_export(
    live_server: LiveServer, page: Any, artifacts: Path, tmp_path: Path
) -> None:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (make deps installs it): Magic Cut needs speech")
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 720})
    files, speech = make_media(tmp_path)

    sign_up(page, base, "editor", "Thelma Schoonmaker")

    project_id = new_project(page, base, "Launch teaser")
    expect(page.get_by_role("heading", level=1)).to_have_text("Launch teaser")

    page.get_by_label("Upload media files").set_input_files([str(f) for f in files])
    bin_ = page.get_by_role("list", name="Media bin")
    expect(bin_.get_by_role("listitem")).to_have_count(3, timeout=30000)
    page.get_by_role("button", name="Add alpha.mp4 to the timeline").click()
    page.get_by_role("button", name="Add bravo.mp4 to the timeline").click()
    first = page.get_by_role("button", name="Clip alpha.mp4", exact=True)
    expect(first).to_be_visible()
    expect(page.get_by_role("button", name="Clip bravo.mp4", exact=True)).to_be_visible()

    # trim 15 frames off the end of the first clip with its handle (keyboard: one frame a press)
    handle = page.get_by_role("slider", name="Trim end of alpha.mp4")
    handle.focus()
    for _ in range(15):
        handle.press("ArrowLeft")
    # crossfade 10 frames into the second clip (it moves left to overlap the first)
    first.click()
    page.get_by_label("Crossfade (s)").fill("0.33")
    page.get_by_role("button", name="Crossfade into next clip").click()
    expect(page.get_by_role("img", name="Crossfade from alpha.mp4 to bravo.mp4, 0.33 s")).to_be_visible()

    # a text overlay, edited in the inspector; undo/redo by keyboard is exact
    page.get_by_role("button", name="Add text").click()
    page.get_by_label("Text", exact=True).fill("Hello FlowAI")
    expect(page.get_by_role("button", name=re.compile("Text “Hello FlowAI”"))).to_be_visible()
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("Control+z")
    expect(page.get_by_role("button", name=re.compile("Text “Your text”"))).to_be_visible()
    page.keyboard.press("Control+Shift+z")
    expect(page.get_by_role("button", name=re.compile("Text “Hello FlowAI”"))).to_be_visible()

    # the talking clip goes after the crossfade; Magic Cut finds its pauses and ripples them out
    page.get_by_role("button", name="Add talk.mp4 to the timeline").click()
    talk_clips = page.get_by_role("button", name=re.compile(r"^Clip talk\.mp4"))
    expect(talk_clips).to_have_count(1)
    talk_clips.first.click()
    page.get_by_role("button", name="Magic Cut", exact=True).click()
    magic = page.get_by_role("region", name="Magic Cut")
    expect(magic).to_contain_text(re.compile(r"Found [1-9]\d* silences"), timeout=60000)
    page.screenshot(path=str(artifacts / "editor-magic-cut.png"))
    magic.get_by_role("button", name="Apply Magic Cut").click()
    expect(page.get_by_text("Magic Cut applied as one step")).to_be_visible()
    expect(talk_clips).to_have_count(len(speech))  # one clip per spoken line
    page.keyboard.press("Control+z")  # one undoable step
    expect(talk_clips).to_have_count(1)
    page.keyboard.press("Control+Shift+z")
    expect(talk_clips).to_have_count(len(speech))
    expect(page.get_by_role("status").filter(has_text="All changes saved")).to_be_visible(timeout=15000)

    # the saved timeline, and which barcode each asset carries
    project = page.request.get(f"{base}/v1/projects/{project_id}")
    assert project.ok
    timeline = project.json()["timeline"]
    assets = page.request.get(f"{base}/v1/assets?limit=100")
    assert assets.ok
    source_of = {a["id"]: SOURCE_IDS[a["filename"]] for a in assets.json()["items"]}
    clips = sorted(timeline["video_tracks"][0]["clips"], key=lambda c: c["start"])
    talk = [c for c in clips if source_of[c["asset_id"]] == 3]
    assert [c["start"] for c in clips[:2]] == [0, 65] and talk[0]["start"] == 155
    for before, after in zip(talk, talk[1:], strict=False):  # rippled: end to end
        assert after["start"] == before["start"] + before["source_out"] - before["source_in"]
    # every spoken frame is kept, the middle of every pause is gone
    kept = {n for c in talk for n in range(c["source_in"], c["source_out"])}
    for s, e in speech:
        assert set(range(math.ceil(s * FPS), math.floor(e * FPS))) <= kept, (s, e, talk)
    pauses = [(0.0, speech[0][0]), (speech[0][1], speech[1][0]), (speech[1][1], video_frames(files[2]) / FPS)]
    for s, e in pauses:
        assert round((s + e) / 2 * FPS) not in kept, (s, e, talk)
    duration = timeline_duration(timeline)

    # the preview shows the timeline (proxies may take a moment to appear)
    expect(bin_.get_by_text("Making preview…")).to_have_count(0, timeout=30000)
    wait_for_preview_frame(page, 70)  # inside the crossfade (65..75)
    page.screenshot(path=str(artifacts / "editor.png"))

    page.get_by_label("Export preset").select_option("720p")
    page.get_by_label("Export quality").select_option("draft")
    page.get_by_role("button", name="Export", exact=True).click()
    expect(
        page.get_by_role("progressbar", name="Export progress").or_(page.get_by_text("Export ready"))
    ).to_be_visible()
    link = page.get_by_role("link", name="Download MP4")
    expect(link).to_be_visible(timeout=90000)
    page.screenshot(path=str(artifacts / "editor-exported.png"))
    href = link.get_attribute("href")
    assert href
    response = page.request.get(f"{base}{href}")
    assert response.ok
    out = tmp_path / "export.mp4"
    out.write_bytes(response.body())
    # 75 frames of alpha, 90 of bravo starting 10 before alpha ends, then the kept talk
    assert duration == 155 + len(kept)
    assert video_frames(out) == duration
    exported = export_pictures(out)
    assert len(exported) == duration

    # the export shows at every frame the source frame(s) the timeline puts there (a crossfade's
    # two codes can be told apart where its four levels 0, t, 1 - t and 1 differ)
    wrong = {}
    for f in range(duration):
        want = shown_at(timeline, source_of, f)
        assert want is not None
        if want.b is None or 0.15 < want.t < 0.85 and abs(want.t - 0.5) > 0.15:
            got = read_shown(exported[f], want)
            if got != want:
                wrong[f] = (want, got)
    assert not wrong, wrong

    # Preview vs export: two renderers of one timeline, compared at frames inside clips, next to
    # cuts (the crossfade's edges, Magic Cut's joins) and inside the crossfade.
    joins = [c["start"] for c in talk[1:]]
    probes = sorted({10, 64, 68, 72, 75, 154, 155, *joins, *(j - 1 for j in joins), duration - 5})
    wait_for_preview_frame(page, 10)
    keep_text = text_mask(page, "Hello FlowAI")
    text = next(o for o in timeline["overlays"] if o["type"] == "text")
    everywhere = np.ones((H, W), dtype=bool)
    report: dict[int, dict[str, Any]] = {}
    for f in probes:
        preview = preview_picture(page, f)
        keep = keep_text if text["start"] <= f < text["start"] + text["length"] else everywhere
        want = shown_at(timeline, source_of, f)
        assert want is not None
        seen_preview, seen_export = read_shown(preview, want), read_shown(exported[f], want)
        below = keep.copy()
        below[:CODE_ROWS] = False
        report[f] = {
            "want": [want.a, want.b, want.t],
            "preview": seen_preview and [seen_preview.a, seen_preview.b],
            "export": seen_export and [seen_export.a, seen_export.b],
            "same_source_frame": seen_preview == seen_export == want,
            "psnr_db": psnr(preview, exported[f], keep),
            "psnr_picture_db": psnr(preview, exported[f], below),
            "psnr_barcode_db": psnr(preview[:CODE_ROWS], exported[f][:CODE_ROWS], keep[:CODE_ROWS]),
            "text_masked": keep is keep_text,
        }
        Image.fromarray(preview).save(artifacts / f"preview-{f}.png")
        Image.fromarray(exported[f]).save(artifacts / f"export-{f}.png")
    exact = sum(r["same_source_frame"] for r in report.values())
    summary = {
        "frame_exact": f"{exact}/{len(report)}",
        "min_psnr_db": min(r["psnr_db"] for r in report.values()),
    }
    (artifacts / "preview-vs-export.json").write_text(
        json.dumps({"summary": summary, "probes": report}, indent=2)
    )
    assert exact == len(report), report
    assert all(r["psnr_db"] >= MIN_PSNR for r in report.values()), report

    otio = page.request.get(f"{base}{page.get_by_role('link', name='Download OTIO').get_attribute('href')}")
    assert otio.ok and b"OTIO_SCHEMA" in otio.body()
