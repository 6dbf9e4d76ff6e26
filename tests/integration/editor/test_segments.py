"""A render split into segments and joined equals a single render, frame for frame."""

from __future__ import annotations

import hashlib
from pathlib import Path

import av
import pytest

from flowai.editor.render import render
from flowai.editor.segments import cut_points, plan_segments, render_segmented
from flowai.editor.timeline import Span

from .conftest import Sources, decode_audio, decode_gray, read_barcode  # type: ignore[import-not-found]
from .test_render_frames import KITCHEN_SINK, check, expected_frames  # type: ignore[import-not-found]


def frame_hashes(path: Path) -> list[str]:
    with av.open(str(path)) as c:
        return [hashlib.sha256(f.to_ndarray(format="yuv420p").tobytes()).hexdigest()
                for f in c.decode(video=0)]  # fmt: skip


def test_plan_cuts_at_clip_boundaries_outside_transitions(sources: Sources) -> None:
    checked = check(KITCHEN_SINK, sources)
    points = cut_points(checked)
    assert 30 in points and 31 in points and 61 in points
    assert not any(81 < p < 91 for p in points)  # the crossfade
    spans = plan_segments(checked, target_frames=40)
    assert spans[0].start == 0 and spans[-1].end == checked.duration
    assert all(a.end == b.start for a, b in zip(spans, spans[1:], strict=False))
    assert Span(0, 31) == spans[0]


@pytest.mark.slow
def test_lossless_segments_join_to_the_single_render(sources: Sources, tmp_path: Path) -> None:
    checked = check(KITCHEN_SINK, sources)
    single = render(checked, tmp_path / "single.mp4", preset="canvas", quality="lossless").path
    work = tmp_path / "parts"
    work.mkdir()
    # 25-frame target: windows start inside the 25->30 clip, the PiP clip and the text overlay
    joined = render_segmented(checked, tmp_path / "joined.mp4", work, target_frames=25,
                              preset="canvas", quality="lossless")  # fmt: skip
    assert len(list(work.glob("segment-*.mp4"))) >= 4
    assert frame_hashes(joined) == frame_hashes(single)
    with av.open(str(joined)) as c:
        assert c.streams.audio[0].codec_context.sample_rate == 48000
    assert abs(decode_audio(joined).size - decode_audio(single).size) <= 1024


def test_standard_quality_segments_show_the_same_source_frames(sources: Sources, tmp_path: Path) -> None:
    checked = check(KITCHEN_SINK, sources)
    work = tmp_path / "parts"
    work.mkdir()
    joined = render_segmented(checked, tmp_path / "joined.mp4", work, target_frames=40,
                              preset="canvas")  # fmt: skip
    frames = decode_gray(joined)
    assert len(frames) == checked.duration
    want = expected_frames(checked)
    for t in range(81, 91):
        del want[t]
    assert {t: read_barcode(frames[t]) for t in want} == want


def test_thread_limit_reaches_every_decoder_the_graph_and_the_encoder(
    sources: Sources, tmp_path: Path
) -> None:
    from flowai.editor.render import plan_render

    checked = check(KITCHEN_SINK, sources)
    args = plan_render(checked, tmp_path / "out.mp4", tmp_path, preset="canvas", threads=1).args
    inputs = [i for i, a in enumerate(args) if a == "-i"]
    assert inputs and all("-threads" in args[prev:i] for prev, i in zip([0, *inputs], inputs, strict=False))
    assert args[args.index("-filter_complex_threads") + 1] == "1"
    assert args[args.index("-/filter_complex") :].count("-threads") == 1
    assert "-threads" not in plan_render(checked, tmp_path / "out.mp4", tmp_path, preset="canvas").args
