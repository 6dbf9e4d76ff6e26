"""Captions and text-based editing on the timeline model: word mapping through trims and rates,
caption lines, ASS/SRT/WebVTT, ripple cuts on every track, fillers and pauses."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from flowai.editor import captions
from flowai.editor.captions import TimelineWord
from flowai.editor.timeline import (
    AssetInfo,
    CaptionTrack,
    CheckedTimeline,
    Span,
    StaticAssets,
    TimelineInvalid,
    load_timeline,
    validate_timeline,
)
from flowai.editor.transcribe import Word, refine

ASSETS = {
    "v30": AssetInfo("t", Path("v30.mp4"), 300, Fraction(30), 320, 180, has_audio=True),
    "v25": AssetInfo("t", Path("v25.mp4"), 250, Fraction(25), 320, 180, has_audio=True),
    "wav": AssetInfo("t", Path("a.wav"), 10_000, Fraction(1000), has_audio=True, kind="audio"),
}
WORDS = [{"text": t, "start": s, "end": e, "probability": 0.9} for t, s, e in [
    ("one", 1.0, 1.4), ("two", 2.0, 2.5), ("three", 3.0, 3.6), ("four", 5.0, 5.5), ("five", 8.0, 8.4)]]  # fmt: skip


def check(doc: dict[str, Any]) -> CheckedTimeline:
    return validate_timeline(load_timeline(doc), tenant_id="t", assets=StaticAssets(ASSETS))


def doc(**extra: Any) -> dict[str, Any]:
    return {"canvas": {"width": 320, "height": 180, "fps": "30"}, **extra}


def test_words_follow_trims_positions_and_rates() -> None:
    c = check(doc(video_tracks=[{"id": "v", "clips": [
        {"id": "a", "asset_id": "v30", "source_in": 54, "source_out": 120, "start": 10},  # 1.8-4.0 s
        {"id": "b", "asset_id": "v25", "source_in": 125, "source_out": 150, "start": 100},  # 5.0-6.0 s
    ]}]))  # fmt: skip
    words = captions.timeline_words(c, {"v30": WORDS, "v25": WORDS})
    assert [(w.text, w.start, w.end, w.clip_id) for w in words] == [
        ("two", 10 + 6, 10 + 21, "a"),  # (2.0 - 1.8) s * 30 = 6
        ("three", 10 + 36, 10 + 54, "a"),
        ("four", 100, 115, "b"),  # 25 fps source on a 30 fps canvas: 0.5 s = 15 frames
    ]


def test_audio_track_words_and_duplicates_heard_once() -> None:
    c = check(doc(
        video_tracks=[{"id": "v", "clips": [{"id": "a", "asset_id": "v30", "source_in": 0, "source_out": 300, "start": 0}]}],
        audio_tracks=[
            {"id": "m", "clips": [{"id": "s", "asset_id": "v30", "source_in": 0, "start": 0, "length": 300}]},
            {"id": "n", "clips": [{"id": "w", "asset_id": "wav", "source_in": 60, "start": 200, "length": 60}]}],
    ))  # fmt: skip
    words = captions.timeline_words(c, {"v30": WORDS, "wav": WORDS})
    assert [w.text for w in words].count("one") == 1  # the clip and its own sound: once
    assert ("two", 200, 215) in [(w.text, w.start, w.end) for w in words]  # wav from 2.0 s at frame 200


def test_lines_break_at_sentences_pauses_and_length() -> None:
    fps = Fraction(30)
    words = [TimelineWord(t, s, e, 1.0, "a", "c", n) for n, (t, s, e) in enumerate([
        ("Hello", 0, 10), ("there.", 12, 20), ("How", 24, 30), ("are", 31, 35), ("you", 36, 40),
        ("doing", 100, 110)])]  # fmt: skip
    lines = captions.build_lines(words, fps)
    assert [line.text for line in lines] == ["Hello there.", "How are you", "doing"]
    assert lines[0].start == 0 and lines[0].start + lines[0].length == 24  # up to the next line
    assert lines[1].start + lines[1].length == 40 + 15  # lingers half a second
    assert all(w.start >= line.start for line in lines for w in line.words)


@pytest.mark.parametrize("fps", [Fraction(30), Fraction(30000, 1001), Fraction(25), Fraction(60)])
def test_ass_time_is_inside_the_frame_before_the_start(fps: Fraction) -> None:
    for frame in range(1, 2000, 7):
        h, m, rest = captions.ass_time(frame, fps).split(":")
        t = Fraction(int(h) * 3600 + int(m) * 60) + Fraction(rest)
        assert Fraction(frame - 1) / fps < t <= Fraction(frame) / fps  # frame k shows it, k-1 does not


def test_ass_document_styles_karaoke_and_escaping() -> None:
    track = {"style": "boxed", "karaoke": True, "lines": [
        {"id": "c1", "text": "a {b} c", "start": 30, "length": 30, "words": [
            {"text": "a", "start": 30, "end": 35}, {"text": "{b}", "start": 40, "end": 45},
            {"text": "c", "start": 50, "end": 55}]},
        {"id": "c2", "text": "مرحبا\nこんにちは", "start": 60, "length": 10}]}  # fmt: skip
    tl = check(doc(captions=track)).timeline
    ass = captions.ass_document(tl)
    assert "PlayResX: 320" in ass and "PlayResY: 180" in ass
    assert ",3," in ass.split("Style: Default,")[1]  # boxed: BorderStyle 3 (opaque box)
    events = [line for line in ass.splitlines() if line.startswith("Dialogue:")]
    assert len(events) == 4  # three highlight steps + the second line
    assert "{\\c&H00FFC34F}a{\\r}" in events[0] and "｛b｝" in events[1]
    assert events[3].endswith("مرحبا\\Nこんにちは")
    hidden = tl.model_copy(update={"captions": tl.captions.model_copy(update={"hidden": True})})  # type: ignore[union-attr]
    assert "Dialogue:" not in captions.ass_document(hidden)


def test_srt_and_vtt() -> None:
    tl = check(doc(captions={"lines": [{"id": "c1", "text": "Hi", "start": 45, "length": 30}]})).timeline
    assert captions.srt_document(tl) == "1\n00:00:01,500 --> 00:00:02,500\nHi\n"
    assert captions.vtt_document(tl) == "WEBVTT\n\nc1\n00:00:01.500 --> 00:00:02.500\nHi\n"


def test_caption_lines_are_validated() -> None:
    with pytest.raises(TimelineInvalid) as err:
        check(doc(captions={"lines": [
            {"id": "c1", "text": "a", "start": 10, "length": 10, "words": [{"text": "a", "start": 5, "end": 12}]},
            {"id": "c1", "text": "b", "start": 15, "length": 10}]}))  # fmt: skip
    kinds = {i.type for i in err.value.issues}
    assert kinds == {"word_outside_line", "duplicate_id", "overlap"}


def test_ripple_cut_removes_the_same_frames_from_every_track() -> None:
    c = check(doc(
        video_tracks=[{"id": "v", "clips": [
            {"id": "a", "asset_id": "v30", "source_in": 0, "source_out": 90, "start": 0},
            {"id": "b", "asset_id": "v30", "source_in": 100, "source_out": 160, "start": 90}]}],
        audio_tracks=[{"id": "m", "clips": [{"id": "s", "asset_id": "wav", "source_in": 0, "start": 0, "length": 150}]}],
        overlays=[{"type": "text", "id": "t", "text": "x", "start": 40, "length": 100}],
        captions={"lines": [
            {"id": "c1", "text": "one two", "start": 20, "length": 30,
             "words": [{"text": "one", "start": 20, "end": 30}, {"text": "two", "start": 32, "end": 45}]},
            {"id": "c2", "text": "gone", "start": 60, "length": 10}]},
    ))  # fmt: skip
    out = captions.ripple_cut(c, [Span(30, 32), Span(55, 75), Span(60, 70)])  # merged: 30-32, 55-75
    again = check(out.model_dump(mode="json"))
    assert again.duration == c.duration - 22
    clips = again.timeline.video_tracks[0].clips
    assert [(x.id, x.source_in, x.source_out, x.start) for x in clips] == [
        ("a", 0, 30, 0), ("a.t1", 32, 55, 30), ("a.t2", 75, 90, 53), ("b", 100, 160, 68)]  # fmt: skip
    audio = again.timeline.audio_tracks[0].clips
    assert [(x.source_in, x.start, x.length) for x in audio] == [(0, 0, 30), (32, 30, 23), (75, 53, 75)]
    assert (again.timeline.overlays[0].start, again.timeline.overlays[0].length) == (40 - 2, 100 - 20)
    lines = again.timeline.captions.lines  # type: ignore[union-attr]
    assert [(line.id, line.start, line.length) for line in lines] == [("c1", 20, 28)]
    assert [(w.start, w.end) for w in lines[0].words] == [(20, 30), (30, 43)]


def test_ripple_cut_refuses_a_transition_and_everything() -> None:
    c = check(doc(video_tracks=[{"id": "v", "clips": [
        {"id": "a", "asset_id": "v30", "source_in": 0, "source_out": 60, "start": 0},
        {"id": "b", "asset_id": "v30", "source_in": 0, "source_out": 60, "start": 50}],
        "transitions": [{"from_clip": "a", "to_clip": "b", "length": 10}]}]))  # fmt: skip
    with pytest.raises(captions.CutRefused):
        captions.ripple_cut(c, [Span(55, 58)])
    with pytest.raises(captions.CutRefused):
        captions.ripple_cut(c, [Span(0, 110)])
    kept = captions.ripple_cut(c, [Span(10, 20)])
    assert kept.video_tracks[0].transitions[0].from_clip == "a.t1"
    check(kept.model_dump(mode="json"))


def test_fillers_repeats_and_pauses() -> None:
    fps = Fraction(30)
    words = [TimelineWord(t, s, e, 1.0, "a", "c", n) for n, (t, s, e) in enumerate([
        ("So", 0, 6), ("um,", 8, 14), ("I", 16, 18), ("I", 20, 22), ("think", 23, 30), ("you", 31, 35),
        ("know", 35, 40), ("it", 100, 104), ("works.", 105, 115)])]  # fmt: skip
    found = captions.find_fillers(words, fps, pause_seconds=1.0, keep_seconds=0.2)
    assert [(f.kind, f.text, f.start, f.end) for f in found] == [
        ("filler", "um,", 8, 14), ("repeat", "I", 16, 20), ("filler", "you know", 31, 40),
        ("pause", "2.0 s pause", 43, 97)]  # fmt: skip


def test_refine_snaps_whisper_times_to_sound_edges() -> None:
    import numpy as np

    rate = 16_000
    audio = np.zeros(rate * 3, np.float32)
    rng = np.random.default_rng(0)
    for a, b in [(0.5, 0.9), (1.5, 2.2)]:
        audio[int(a * rate) : int(b * rate)] = rng.normal(0, 0.2, int(b * rate) - int(a * rate))
    loose = [Word("a", 0.42, 1.3, 0.9), Word("b", 1.3, 2.6, 0.9)]  # late ends, an early start in a pause
    tight = refine(loose, audio)
    assert [(w.start, w.end) for w in tight] == [(0.5, 0.9), (1.5, 2.2)]


def test_caption_track_from_transcripts() -> None:
    c = check(doc(video_tracks=[{"id": "v", "clips": [
        {"id": "a", "asset_id": "v30", "source_in": 0, "source_out": 300, "start": 0}]}]))  # fmt: skip
    words = captions.timeline_words(c, {"v30": WORDS})
    track = captions.caption_track(words, c.timeline.canvas.fps, style="bold", karaoke=True)
    assert isinstance(track, CaptionTrack) and track.style == "bold" and track.karaoke
    assert captions.line_at(track, 31) is not None and captions.line_at(track, 0) is None


def test_preview_styles_match_the_export_styles() -> None:
    """web/src/pages/editor/captions.ts draws the same presets that the ASS document burns in."""
    import re

    ts = (Path(__file__).parents[3] / "web" / "src" / "pages" / "editor" / "captions.ts").read_text()
    for name, style in captions.STYLES.items():
        row = re.search(rf"^  {name}: \{{(.*)\}},$", ts, re.M)
        assert row, f"{name} missing from captions.ts"
        fields = dict(re.findall(r'(\w+): ("[^"]*"|[\d.]+|true|false)', row.group(1)))
        assert float(fields["size"]) == style.size and float(fields["outline"]) == style.outline
        assert float(fields["margin"]) == style.margin and fields["box"] == str(style.box).lower()
        assert fields["color"].strip('"') == style.color and fields["highlight"].strip('"') == style.highlight
        assert fields["position"].strip('"') == style.position
        assert fields["bold"] == str("Bold" in style.font).lower()


def test_captions_travel_in_otio_as_markers() -> None:
    from flowai.editor import otio as interchange

    c = check(doc(
        video_tracks=[{"id": "v", "clips": [{"id": "a", "asset_id": "v30", "source_in": 0, "source_out": 90, "start": 0}]}],
        captions={"style": "top", "karaoke": True, "lines": [
            {"id": "c1", "text": "Hello there", "start": 5, "length": 20, "words": [{"text": "Hello", "start": 5, "end": 12}]},
            {"id": "c2", "text": "こんにちは", "start": 30, "length": 10}]},
    ))  # fmt: skip
    tl = interchange.to_otio(c, name="p", media_url=lambda a: interchange.ASSET_URL + a)
    markers = list(tl.tracks.markers)
    assert [(m.name, m.marked_range.start_time.value, m.marked_range.duration.value) for m in markers] == [
        ("Hello there", 5, 20), ("こんにちは", 30, 10)]  # fmt: skip
    back = interchange.from_otio(
        interchange.read(
            interchange.write(c, "otio", name="p", media_url=lambda a: interchange.ASSET_URL + a)
        ),
        lambda clip: ("v30", ASSETS["v30"]),
    )
    assert check(back).timeline.captions == c.timeline.captions


def test_refine_undoes_a_one_region_slip_but_not_a_split_word() -> None:
    import numpy as np

    rate = 16_000
    audio = np.zeros(rate * 3, np.float32)
    rng = np.random.default_rng(1)
    regions = [(0.5, 0.9), (1.1, 1.4), (1.6, 2.0), (2.2, 2.6)]
    for a, b in regions:
        audio[int(a * rate) : int(b * rate)] = rng.normal(0, 0.2, int(b * rate) - int(a * rate))
    # Whisper ends "a" before the second stretch, then starts "b" and "c" both in the third one
    slipped = [
        Word("a", 0.5, 0.95, 1),
        Word("b", 1.62, 1.7, 1),
        Word("c", 1.72, 2.1, 1),
        Word("d", 2.2, 2.6, 1),
    ]
    assert [w.start for w in refine(slipped, audio)] == [0.5, 1.1, 1.6, 2.2]
    # "a" runs over both first stretches (a stop closure inside it): nothing moves back
    split = [Word("a", 0.5, 1.45, 1), *slipped[1:]]
    assert [w.start for w in refine(split, audio)][:2] == [0.5, 1.6]
