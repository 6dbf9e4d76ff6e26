"""Timeline schema and validation: every rejection names the field at fault."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from flowai.editor.timeline import (
    AssetInfo,
    StaticAssets,
    Timeline,
    TimelineInvalid,
    load_timeline,
    source_frame_at,
    validate_timeline,
    video_clip_length,
)

ASSETS = StaticAssets(
    {
        "v30": AssetInfo("t1", Path("/m/v30.mp4"), 300, Fraction(30), 1920, 1080, True, "video"),
        "v25": AssetInfo("t1", Path("/m/v25.mp4"), 250, Fraction(25), 1280, 720, True, "video"),
        "wav": AssetInfo("t1", Path("/m/a.wav"), 10_000, Fraction(1000), kind="audio"),
        "png": AssetInfo("t1", Path("/m/l.png"), 1, Fraction(1), 64, 64, kind="image"),
        "other": AssetInfo("t2", Path("/m/o.mp4"), 300, Fraction(30), 640, 360, True, "video"),
    }
)


def doc(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "canvas": {"width": 1920, "height": 1080, "fps": "30000/1001"},
        "video_tracks": [
            {"id": "v1", "clips": [
                {"id": "a", "asset_id": "v30", "source_in": 0, "source_out": 60, "start": 0},
                {"id": "b", "asset_id": "v25", "source_in": 0, "source_out": 50, "start": 60},
            ]},
        ],
        "audio_tracks": [{"id": "a1", "clips": [
            {"type": "narration", "id": "n", "asset_id": "wav", "source_in": 0, "start": 0,
             "length": 90},
        ]}],
        "overlays": [{"type": "text", "id": "t", "text": "hi", "start": 0, "length": 10}],
    }  # fmt: skip
    base.update(over)
    return base


def problems(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(TimelineInvalid) as err:
        validate_timeline(load_timeline(data), tenant_id="t1", assets=ASSETS)
    return {issue.path: issue.type for issue in err.value.issues}


def test_valid_timeline_round_trips_through_json() -> None:
    tl = load_timeline(doc())
    checked = validate_timeline(tl, tenant_id="t1", assets=ASSETS)
    assert tl.canvas.fps == Fraction(30000, 1001)
    again = load_timeline(tl.model_dump_json())
    assert again == tl
    assert json.loads(tl.model_dump_json())["canvas"]["fps"] == "30000/1001"
    # 60 frames at 30 fps last ceil(60 * 29.97 / 30) = 60 frames; 50 at 25 fps -> 60 frames
    assert checked.spans["a"].end == 60 and checked.spans["b"].end == 120
    assert checked.duration == 120


def test_json_schema_documents_every_field() -> None:
    schema = Timeline.model_json_schema()
    clip = schema["$defs"]["VideoClip"]["properties"]
    assert "asset's own rate" in clip["source_in"]["description"]
    assert schema["$defs"]["Canvas"]["properties"]["fps"]["type"] == "string"
    for name, model in schema["$defs"].items():
        for field, spec in model.get("properties", {}).items():
            assert spec.get("description"), f"{name}.{field} has no description"


def test_float_and_zero_frame_rates_are_rejected() -> None:
    for fps in (29.97, "0", "abc", "1000"):
        with pytest.raises(TimelineInvalid) as err:
            load_timeline(doc(canvas={"width": 640, "height": 360, "fps": fps}))
        assert err.value.issues[0].path == "canvas.fps"


def test_over_8k_canvas_is_rejected_with_its_path() -> None:
    with pytest.raises(TimelineInvalid) as err:
        load_timeline(doc(canvas={"width": 7682, "height": 1080, "fps": "30"}))
    assert [i.path for i in err.value.issues] == ["canvas.width"]


def test_non_positive_lengths_are_rejected() -> None:
    bad = doc()
    bad["video_tracks"][0]["clips"][0]["source_out"] = 0
    bad["overlays"][0]["length"] = 0
    with pytest.raises(TimelineInvalid) as err:
        load_timeline(bad)
    paths = {i.path for i in err.value.issues}
    assert paths == {"video_tracks.0.clips.0.source_out", "overlays.0.text.length"}
    bad = doc()
    bad["video_tracks"][0]["clips"][1]["source_in"] = 50
    assert problems(bad) == {"video_tracks.0.clips.1.source_out": "non_positive_length"}


def test_overlapping_clips_are_rejected_at_the_later_clip() -> None:
    bad = doc()
    bad["video_tracks"][0]["clips"][1]["start"] = 59
    assert problems(bad) == {"video_tracks.0.clips.1.start": "overlap"}
    bad = doc()
    bad["audio_tracks"][0]["clips"].append(
        {"id": "n2", "asset_id": "wav", "source_in": 0, "start": 80, "length": 20}
    )
    assert problems(bad) == {"audio_tracks.0.clips.1.start": "overlap"}


def test_overlap_against_a_long_earlier_clip_is_found() -> None:
    bad = doc()
    clips = bad["video_tracks"][0]["clips"]
    clips[0]["source_out"] = 300  # a: 0..299
    clips.append({"id": "c", "asset_id": "v30", "source_in": 0, "source_out": 10, "start": 200})
    found = problems(bad)
    assert found == {"video_tracks.0.clips.1.start": "overlap", "video_tracks.0.clips.2.start": "overlap"}


def test_transition_must_match_the_overlap() -> None:
    good = doc()
    good["video_tracks"][0]["clips"][1]["start"] = 50
    good["video_tracks"][0]["transitions"] = [{"from_clip": "a", "to_clip": "b", "length": 10}]
    validate_timeline(load_timeline(good), tenant_id="t1", assets=ASSETS)
    good["video_tracks"][0]["transitions"][0]["length"] = 8
    assert problems(good) == {
        "video_tracks.0.transitions.0.length": "transition_gap",
        "video_tracks.0.clips.1.start": "overlap",
    }
    good["video_tracks"][0]["transitions"][0]["to_clip"] = "zz"
    assert "video_tracks.0.transitions.0.to_clip" in problems(good)


def test_source_range_outside_the_asset() -> None:
    bad = doc()
    bad["video_tracks"][0]["clips"][0]["source_out"] = 301
    bad["audio_tracks"][0]["clips"][0]["length"] = 400  # 400/29.97 s > 10 s of audio
    assert problems(bad) == {
        "video_tracks.0.clips.0.source_out": "source_out_of_range",
        "audio_tracks.0.clips.0.length": "source_out_of_range",
    }


def test_assets_of_another_tenant_look_missing() -> None:
    bad = doc()
    bad["video_tracks"][0]["clips"][0]["asset_id"] = "other"
    bad["video_tracks"][0]["clips"][1]["asset_id"] = "nope"
    assert problems(bad) == {
        "video_tracks.0.clips.0.asset_id": "asset_not_found",
        "video_tracks.0.clips.1.asset_id": "asset_not_found",
    }
    msg = str(pytest.raises(TimelineInvalid, validate_timeline, load_timeline(bad),
                            tenant_id="t1", assets=ASSETS).value)  # fmt: skip
    assert "asset 'other' not found" in msg


def test_wrong_asset_kind_and_duplicate_ids() -> None:
    bad = doc()
    bad["video_tracks"][0]["clips"][0]["asset_id"] = "wav"
    bad["overlays"].append({"type": "image", "id": "a", "asset_id": "png", "start": 0,
                            "length": 5})  # fmt: skip
    assert problems(bad) == {
        "video_tracks.0.clips.0.asset_id": "asset_kind",
        "overlays.1.id": "duplicate_id",
    }


def test_longer_than_four_hours_is_rejected() -> None:
    bad = doc()
    bad["overlays"][0]["start"] = 4 * 3600 * 30
    assert problems(bad) == {"overlays.0.start": "too_long"}


def test_unknown_fields_and_fonts_are_rejected() -> None:
    bad = doc()
    bad["overlays"][0]["font"] = "Comic Sans"
    bad["canvas"]["colour"] = "red"
    with pytest.raises(TimelineInvalid) as err:
        load_timeline(bad)
    assert {i.path for i in err.value.issues} == {"canvas.colour", "overlays.0.text.font"}


@pytest.mark.parametrize(
    ("asset", "canvas", "n", "length", "shown"),
    [
        (Fraction(25), Fraction(30), 5, 6, [0, 0, 1, 2, 3, 4]),
        (Fraction(30), Fraction(25), 6, 5, [0, 1, 2, 3, 4]),
        (Fraction(30), Fraction(30000, 1001), 3, 3, [0, 1, 2]),
        (Fraction(25), Fraction(30), 1, 2, [0, 0]),
    ],
)
def test_rate_conversion_rule(
    asset: Fraction, canvas: Fraction, n: int, length: int, shown: list[int]
) -> None:
    from flowai.editor.timeline import VideoClip

    clip = VideoClip(id="c", asset_id="x", source_in=0, source_out=n, start=0)
    assert video_clip_length(clip, asset, canvas) == length
    assert [source_frame_at(clip, k, asset, canvas) for k in range(length)] == shown
