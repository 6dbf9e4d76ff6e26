"""Frame-exact export: every output frame is decoded and checked against the timeline."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from flowai.editor.media import probe
from flowai.editor.render import RenderCancelled, render
from flowai.editor.timeline import (
    CheckedTimeline,
    StaticAssets,
    load_timeline,
    source_frame_at,
    validate_timeline,
)

from .conftest import (  # type: ignore[import-not-found]
    Sources,
    beep_onset,
    decode_audio,
    decode_gray,
    decode_rgb,
    read_barcode,
)

IDS = {"v30": 1, "v25": 2, "v30b": 3, "ntsc": 4}


def check(doc: dict[str, Any], sources: Sources) -> CheckedTimeline:
    paths = {
        "v30": sources.v30, "v25": sources.v25, "v30b": sources.v30b, "ntsc": sources.ntsc,
        "narration": sources.narration, "logo": sources.logo,
    }  # fmt: skip
    assets = StaticAssets({k: probe(p).asset("tenant") for k, p in paths.items()})
    return validate_timeline(load_timeline(doc), tenant_id="tenant", assets=assets)


def expected_frames(checked: CheckedTimeline, track: int = 0) -> dict[int, tuple[int, int]]:
    """Timeline frame -> (source id, source frame) for the clips of one track (no transitions)."""
    tl = checked.timeline
    out: dict[int, tuple[int, int]] = {}
    for clip in tl.video_tracks[track].clips:
        info = checked.asset(clip.asset_id)
        span = checked.spans[clip.id]
        for k in range(span.end - span.start):
            src = source_frame_at(clip, k, info.fps, tl.canvas.fps)
            out[span.start + k] = (IDS[clip.asset_id], src)
    return out


KITCHEN_SINK: dict[str, Any] = {
    "canvas": {"width": 320, "height": 180, "fps": "30", "background": "#000000"},
    "video_tracks": [
        {
            "id": "main",
            "clips": [
                {"id": "trim", "asset_id": "v30", "source_in": 10, "source_out": 40, "start": 0},
                {"id": "one", "asset_id": "v30b", "source_in": 7, "source_out": 8, "start": 30},
                {"id": "pal", "asset_id": "v25", "source_in": 3, "source_out": 28, "start": 31},
                {"id": "xa", "asset_id": "v30", "source_in": 40, "source_out": 70, "start": 61},
                {"id": "xb", "asset_id": "v30b", "source_in": 20, "source_out": 50, "start": 81},
            ],
            "transitions": [{"from_clip": "xa", "to_clip": "xb", "length": 10}],
        },
        {
            "id": "pip",
            "clips": [
                {"id": "small", "asset_id": "v25", "source_in": 50, "source_out": 70,
                 "start": 5, "scale": 0.5, "x": 160, "y": 90, "volume": 0},
            ],
        },
    ],
    "audio_tracks": [
        {"id": "voice", "clips": [
            {"type": "narration", "id": "nar", "asset_id": "narration", "source_in": 0,
             "start": 60, "length": 51, "voice_id": "v1", "script": "hello"},
        ]},
    ],
    "overlays": [
        {"type": "text", "id": "title", "text": "Hi", "size": 30, "x": 10, "y": 100,
         "start": 40, "length": 10, "box": True, "box_color": "#ffffff"},
        {"type": "image", "id": "logo", "asset_id": "logo", "x": 270, "y": 130,
         "start": 50, "length": 12},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def sink(sources: Sources, tmp_path_factory: pytest.TempPathFactory) -> tuple[CheckedTimeline, Path]:
    checked = check(KITCHEN_SINK, sources)
    out = tmp_path_factory.mktemp("sink") / "sink.mp4"
    render(checked, out, preset="canvas")
    return checked, out


def test_every_frame_is_the_source_frame_the_timeline_puts_there(
    sink: tuple[CheckedTimeline, Path],
) -> None:
    checked, out = sink
    frames = decode_gray(out)
    assert len(frames) == checked.duration == 111
    want = expected_frames(checked)
    # The crossfade: xa (61..90) and xb (81..110) overlap on frames 81..90.
    for t in range(81, 91):
        del want[t]
    for t, (sid, n) in want.items():
        assert read_barcode(frames[t]) == (sid, n), f"timeline frame {t}"
    # trimmed clip, the one-frame clip, 25 fps into 30 fps: spot checks of the rule itself
    assert read_barcode(frames[0]) == (1, 10)
    assert read_barcode(frames[30]) == (3, 7)
    assert [read_barcode(frames[t])[1] for t in range(31, 39)] == [3, 3, 4, 5, 6, 7, 8, 8]  # type: ignore[index]


def test_crossfade_lasts_exactly_its_length(sink: tuple[CheckedTimeline, Path]) -> None:
    checked, out = sink
    frames = decode_gray(out)
    a_src, b_src = 40 + 20, 20  # source frames of xa and xb at the start of the overlap (t=81)
    from .conftest import barcode_frame  # type: ignore[import-not-found]

    for i in range(10):
        a = barcode_frame(a_src + i, 1)[:80].astype(float)
        b = barcode_frame(b_src + i, 3)[:80].astype(float)
        got = frames[81 + i][:80].astype(float)
        differ = np.abs(a - b) > 200
        # fraction of xb in the mix, measured where the two barcodes disagree
        weight = float(np.median((got[differ] - a[differ]) / (b[differ] - a[differ])))
        assert weight == pytest.approx(i / 10, abs=0.06), f"overlap frame {i}"
    assert read_barcode(frames[80]) == (1, 59)
    assert read_barcode(frames[91]) == (3, 30)


def test_overlay_track_composites_over_the_main_track(sink: tuple[CheckedTimeline, Path]) -> None:
    checked, out = sink
    frames = decode_gray(out)
    small = next(c for c in checked.timeline.video_tracks[1].clips)
    span = checked.spans["small"]
    assert span.end - span.start == 24  # 20 frames at 25 fps -> ceil(24) at 30 fps
    for t in range(span.start, span.end):
        src = source_frame_at(small, t - span.start, Fraction(25), Fraction(30))
        assert read_barcode(frames[t], x=160, y=90, block=20) == (2, src), f"frame {t}"
    # before and after the clip the main track shows through in that corner (gray source area)
    for t in (span.start - 1, span.end):
        assert read_barcode(frames[t], x=160, y=90, block=20) is None
        assert abs(float(frames[t][120:170, 170:310].mean()) - 128) < 6


def test_text_and_image_appear_exactly_on_their_frames(sink: tuple[CheckedTimeline, Path]) -> None:
    checked, out = sink
    rgb = decode_rgb(out)
    text_area = [float(f[95:135, 5:60].mean()) for f in rgb]
    shown = [t for t, level in enumerate(text_area) if level > 170]  # white box over gray
    assert shown == list(range(40, 50))
    red = [t for t, f in enumerate(rgb) if (p := f[150, 290])[0] > 200 and p[1] < 60]
    assert red == list(range(50, 62))


def test_audio_is_in_sync_within_one_frame(sink: tuple[CheckedTimeline, Path]) -> None:
    checked, out = sink
    audio = decode_audio(out)
    frame = 1 / 30
    # v30's beep is at its source frame 45: clip xa (source 40..) starts at 61 -> frame 66.
    assert beep_onset(audio[int(1.9 * 48000) :]) + 1.9 == pytest.approx(66 / 30, abs=frame)
    # the narration (beep 1.5 s into the file) starts at frame 60 -> 2.0 + 1.5 s
    tail = audio[int(3.3 * 48000) :]
    assert beep_onset(tail) + 3.3 == pytest.approx(60 / 30 + 1.5, abs=frame)
    with av.open(str(out)) as c:
        assert c.streams.audio[0].codec_context.sample_rate == 48000


def test_output_is_h264_high_yuv420p_bt709_faststart(sink: tuple[CheckedTimeline, Path]) -> None:
    _, out = sink
    with av.open(str(out)) as c:
        v = c.streams.video[0]
        assert v.codec_context.name == "h264"
        assert v.codec_context.profile == "High"
        assert v.codec_context.pix_fmt == "yuv420p"
        frame = next(c.decode(video=0))
        assert frame.colorspace == 1 and frame.color_primaries == 1 and frame.color_trc == 1
        assert c.streams.audio[0].codec_context.name == "aac"
    head = out.read_bytes()[:4096]
    assert head.find(b"moov") != -1 and head.find(b"moov") < max(head.find(b"mdat"), 4096)


NTSC: dict[str, Any] = {
    "canvas": {"width": 320, "height": 180, "fps": "30000/1001"},
    "video_tracks": [
        {"id": "main", "clips": [
            {"id": "n", "asset_id": "ntsc", "source_in": 5, "source_out": 35, "start": 0},
            {"id": "p", "asset_id": "v25", "source_in": 0, "source_out": 25, "start": 30},
            {"id": "t", "asset_id": "v30", "source_in": 0, "source_out": 30, "start": 60},
        ]},
    ],
}  # fmt: skip


def test_ntsc_canvas_with_mixed_sources(sources: Sources, tmp_path: Path) -> None:
    checked = check(NTSC, sources)
    out = tmp_path / "ntsc.mp4"
    render(checked, out, preset="canvas")
    frames = decode_gray(out)
    assert len(frames) == checked.duration
    for t, want in expected_frames(checked).items():
        assert read_barcode(frames[t]) == want, f"timeline frame {t}"
    with av.open(str(out)) as c:
        assert c.streams.video[0].average_rate == Fraction(30000, 1001)
    audio = decode_audio(out)
    # ntsc beep at its frame 30 -> 25 frames into the clip
    assert beep_onset(audio) == pytest.approx(25 * 1001 / 30000, abs=1001 / 30000)


def test_preset_scales_and_progress_reaches_100(sources: Sources, tmp_path: Path) -> None:
    checked = check(NTSC, sources)
    seen: list[tuple[float, str]] = []
    result = render(checked, tmp_path / "720.mp4", preset="720p",
                    on_progress=lambda p, s: seen.append((p, s)))  # fmt: skip
    assert (result.width, result.height) == (1280, 720)
    with av.open(str(result.path)) as c:
        assert (c.streams.video[0].width, c.streams.video[0].height) == (1280, 720)
    pcts = [p for p, _ in seen]
    assert pcts == sorted(pcts) and pcts[-1] == 100.0 and seen[-1][1] == "done"
    assert any(stage == "encoding" for _, stage in seen)


def test_cancel_stops_ffmpeg_and_removes_output(sources: Sources, tmp_path: Path) -> None:
    checked = check(NTSC, sources)
    out = tmp_path / "cancel.mp4"
    calls = 0

    def cancel() -> bool:
        nonlocal calls
        calls += 1
        return calls > 1

    with pytest.raises(RenderCancelled):
        render(checked, out, preset="4k", should_cancel=cancel)
    assert not out.exists()
