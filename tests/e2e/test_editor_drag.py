"""The editor's mouse paths, end to end: a clip dragged from the media bin onto the video track
(HTML5 drag and drop), a clip moved with the pointer until it snaps to the end of another, and a
trim handle dragged by a known number of pixels. Each edit is checked in the timeline the
editor autosaves to the server, not in the page."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from flowai_browser import new_project, sign_up
from flowai_media import make_barcode_video
from flowai_testkit import LiveServer, wait_until
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]
FPS = 30
FRAMES = 60  # two seconds a clip
ZOOM = 3  # the editor's default px per frame
SNAP_PX = 8  # TimelineView's snap distance, in px


def saved_clips(
    page: Any, url: str, done: Callable[[dict[str, dict[str, Any]]], bool], what: str
) -> dict[str, dict[str, Any]]:
    """The video clips (by asset id) of the timeline the server holds (GET /v1/projects/{id}),
    polled until autosave has sent the edit that `done` looks for."""

    def fetch() -> dict[str, dict[str, Any]] | None:
        expect(page.get_by_role("status").filter(has_text="All changes saved")).to_be_visible()
        response = page.request.get(url)
        assert response.ok, response.text()
        clips = {c["asset_id"]: c for c in response.json()["timeline"]["video_tracks"][0]["clips"]}
        return clips if done(clips) else None

    return wait_until(fetch, timeout=15, what=what)


def end(clip: dict[str, Any]) -> int:
    return int(clip["start"] + clip["source_out"] - clip["source_in"])


def drop_from_bin(page: Any, item: Any, track: Any, frame: int) -> None:
    """An HTML5 drag from a media bin item to `frame` of a track, with the mouse. (Locator.drag_to
    first scrolls the target into view; the track is wider than the timeline's scroll box, so that
    slides the timeline sideways and the drop lands frames away from where it was aimed.)"""
    src, dst = item.bounding_box(), track.bounding_box()
    assert src and dst
    page.mouse.move(src["x"] + src["width"] / 2, src["y"] + src["height"] / 2)
    page.mouse.down()
    page.mouse.move(dst["x"] + frame * ZOOM, dst["y"] + dst["height"] / 2, steps=5)
    page.mouse.up()


def box_of(locator: Any) -> dict[str, float]:
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box, locator
    return dict(box)


def test_drag_drop_snap_and_trim_with_the_mouse(
    live_server: LiveServer, page: Any, artifacts: Path, tmp_path: Path
) -> None:
    base = live_server.url
    page.set_viewport_size({"width": 1280, "height": 720})
    files = [
        make_barcode_video(tmp_path / f"{name}.mp4", fps=Fraction(FPS), frames=FRAMES, source_id=i + 1)
        for i, name in enumerate(["alpha", "bravo"])
    ]

    sign_up(page, base, "drag", "Dede Allen")
    project_id = new_project(page, base, "Drag test")

    page.get_by_label("Upload media files").set_input_files([str(f) for f in files])
    bin_ = page.get_by_role("list", name="Media bin")
    expect(bin_.get_by_role("listitem")).to_have_count(2, timeout=30000)
    assets = page.request.get(f"{base}/v1/assets?limit=10")
    assert assets.ok
    asset_id = {a["filename"]: a["id"] for a in assets.json()["items"]}
    track = page.get_by_role("group", name="Video V1 track")

    # 1. alpha from the bin onto the track, dropped 1 frame in: it snaps to 0
    drop_from_bin(page, bin_.get_by_role("listitem").filter(has_text="alpha.mp4"), track, 1)
    alpha_clip = page.get_by_role("button", name="Clip alpha.mp4", exact=True)
    expect(alpha_clip).to_be_visible()

    # 2. bravo from the bin, dropped well after alpha's end (frame 100)
    drop_from_bin(page, bin_.get_by_role("listitem").filter(has_text="bravo.mp4"), track, 100)
    bravo = page.get_by_role("button", name="Clip bravo.mp4", exact=True)
    expect(bravo).to_be_visible()
    url = f"{base}/v1/projects/{project_id}"
    a_id, b_id = asset_id["alpha.mp4"], asset_id["bravo.mp4"]
    clips = saved_clips(page, url, lambda c: len(c) == 2, "both dropped clips saved")
    alpha, bravo_saved = clips[a_id], clips[b_id]
    assert alpha["start"] == 0 and end(alpha) == FRAMES
    assert bravo_saved["start"] == 100

    # 3. bravo moved left by pointer, first over alpha (the drop would overlap: drawn dashed,
    # marked refused), then to 1.5 frames past alpha's end (under the snap distance, and not a
    # whole frame: without snapping it would land on frame 62). While the button is still down
    # the clip is already drawn at frame 60, where the drop puts it.
    off = (bravo_saved["start"] - end(alpha) - 1.5) * ZOOM
    assert 1.5 * ZOOM < SNAP_PX
    b = box_of(bravo)
    x, y = b["x"] + b["width"] / 2, b["y"] + b["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - (bravo_saved["start"] - 30) * ZOOM, y, steps=5)  # bravo would start at 30
    expect(bravo).to_have_attribute("data-drop", "refused")
    page.mouse.move(x - off, y, steps=5)
    expect(bravo).not_to_have_attribute("data-drop", "refused")
    track_x = box_of(track)["x"]
    wait_until(lambda: abs(box_of(bravo)["x"] - (track_x + FRAMES * ZOOM)) < 0.5, timeout=5,
               what="the clip drawn at the snapped frame before the drop")  # fmt: skip
    page.mouse.up()
    clips = saved_clips(page, url, lambda c: c[b_id]["start"] != 100, "the moved clip saved")
    alpha, bravo_saved = clips[a_id], clips[b_id]
    assert bravo_saved["start"] == end(alpha) == FRAMES, clips

    # 4. bravo's end handle dragged 15 frames' worth of px left: 15 frames shorter (within one frame)
    handle = page.get_by_role("slider", name="Trim end of bravo.mp4")
    h = box_of(handle)
    x, y = h["x"] + h["width"] / 2, h["y"] + h["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 15 * ZOOM, y, steps=5)
    page.mouse.up()
    clips = saved_clips(page, url, lambda c: c[b_id]["source_out"] != FRAMES, "the trimmed clip saved")
    trimmed = clips[b_id]
    assert trimmed["start"] == FRAMES and trimmed["source_in"] == 0, trimmed
    assert abs((trimmed["source_out"] - trimmed["source_in"]) - (FRAMES - 15)) <= 1, trimmed
    assert clips[a_id] == alpha

    page.screenshot(path=str(artifacts / "editor-drag.png"))
