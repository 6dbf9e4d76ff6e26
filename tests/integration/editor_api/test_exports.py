"""Exports (whole and segmented), cancel, OTIO round trip and Magic Cut through the API."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import opentimelineio as otio
from fastapi.testclient import TestClient
from flowai_testkit import wait_until

from flowai.core.context import AppContext
from flowai.core.models import Job
from flowai.editor.models import Export
from flowai.editor.service import part_keys

from ..editor.conftest import decode_gray, read_barcode  # type: ignore[import-not-found]
from .conftest import Media, job, upload  # type: ignore[import-not-found]


def project(client: TestClient, h: dict[str, str], timeline: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/v1/projects", json={"name": "Export me", "timeline": timeline}, headers=h)
    assert r.status_code == 201, r.text
    return dict(r.json())


def edit(a: str, b: str) -> dict[str, Any]:
    """Trims, a cut, a crossfade: 20 + 30 + 30 - 6 = 74 frames."""
    return {
        "canvas": {"width": 320, "height": 180, "fps": "30"},
        "video_tracks": [{"id": "v1", "clips": [
            {"id": "a", "asset_id": a, "source_in": 5, "source_out": 25, "start": 0},
            {"id": "b", "asset_id": b, "source_in": 40, "source_out": 70, "start": 20},
            {"id": "c", "asset_id": a, "source_in": 60, "source_out": 90, "start": 44},
        ], "transitions": [{"from_clip": "b", "to_clip": "c", "length": 6}]}],
        "audio_tracks": [{"id": "a1", "clips": []}],
    }  # fmt: skip


def check_frames(path: Path) -> None:
    frames = decode_gray(path)
    assert len(frames) == 74
    want = {k: (1, 5 + k) for k in range(20)} | {k: (3, 40 + k - 20) for k in range(20, 44)}
    want |= {k: (1, 60 + k - 44 + 0) for k in range(50, 74)}
    for k, expected in want.items():
        assert read_barcode(frames[k]) == expected, f"frame {k}"


def download(client: TestClient, url: str, tmp: Path) -> Path:
    r = client.get(url)
    assert r.status_code == 200
    out = tmp / "export.mp4"
    out.write_bytes(r.content)
    return out


def test_export_renders_the_timeline_frame_exact(
    client: TestClient, editor: dict[str, Any], media: Media, finished: Callable[..., Job], tmp_path: Path
) -> None:
    h = editor["h"]
    a, b = upload(client, h, media.v30)["id"], upload(client, h, media.v30b)["id"]
    p = project(client, h, edit(a, b))
    r = client.post(
        f"/v1/projects/{p['id']}/exports", json={"preset": "canvas"}, headers={**h, "Idempotency-Key": "e1"}
    )
    assert r.status_code == 202 and r.headers["location"] == f"/v1/jobs/{r.json()['job_id']}"
    again = client.post(
        f"/v1/projects/{p['id']}/exports", json={"preset": "canvas"}, headers={**h, "Idempotency-Key": "e1"}
    )
    assert again.json()["id"] == r.json()["id"]
    done = finished(r.json()["job_id"])
    assert done.status == "succeeded", done.error
    export = client.get(f"/v1/exports/{r.json()['id']}").json()
    assert export["status"] == "succeeded" and export["frames"] == 74 and export["segments"] == 1
    check_frames(download(client, export["download_url"], tmp_path))


def test_segmented_export_runs_one_job_per_segment_and_joins(
    client: TestClient, editor: dict[str, Any], media: Media, finished: Callable[..., Job], ctx: AppContext,
    tmp_path: Path,
) -> None:  # fmt: skip
    ctx.settings.editor_segment_seconds = 1.0  # ~30-frame segments, cut at clip boundaries
    h = editor["h"]
    a, b = upload(client, h, media.v30)["id"], upload(client, h, media.v30b)["id"]
    p = project(client, h, edit(a, b))
    r = client.post(f"/v1/projects/{p['id']}/exports", json={"preset": "canvas"}, headers=h)
    assert r.status_code == 202 and r.json()["segments"] >= 2
    done = finished(r.json()["job_id"])
    assert done.status == "succeeded", done.error
    with ctx.db.session(system=True) as s:
        kinds = [j.kind for j in s.query(Job).filter(Job.owner_id == editor["user"]["id"])]
    assert kinds.count("editor.export.segment") == r.json()["segments"] and "editor.export.audio" in kinds
    export = client.get(f"/v1/exports/{r.json()['id']}").json()
    check_frames(download(client, export["download_url"], tmp_path))


def test_cancel_an_export(
    client: TestClient, editor: dict[str, Any], media: Media, finished: Callable[..., Job], ctx: AppContext
) -> None:
    h = editor["h"]
    a = upload(client, h, media.v30)["id"]
    clips = [
        {"id": f"c{n}", "asset_id": a, "source_in": 0, "source_out": 90, "start": 90 * n} for n in range(6)
    ]
    doc = {
        "canvas": {"width": 320, "height": 180, "fps": "30"},
        "video_tracks": [{"id": "v1", "clips": clips}],
    }
    p = project(client, h, doc)
    r = client.post(f"/v1/projects/{p['id']}/exports", json={"preset": "4k", "quality": "high"}, headers=h)
    job_id = r.json()["job_id"]
    wait_until(lambda: job(ctx, job_id).stage == "encoding", timeout=60, what="encoding")
    assert client.post(f"/v1/jobs/{job_id}/cancel", headers=h).status_code == 202
    assert finished(job_id, timeout=20).status == "cancelled"
    export = client.get(f"/v1/exports/{r.json()['id']}").json()
    assert export["status"] == "cancelled" and export["download_url"] is None


def test_a_cancelled_segmented_export_leaves_no_parts_behind(
    client: TestClient, editor: dict[str, Any], media: Media, finished: Callable[..., Job], ctx: AppContext
) -> None:
    ctx.settings.editor_segment_seconds = 1.0
    h = editor["h"]
    a, b = upload(client, h, media.v30)["id"], upload(client, h, media.v30b)["id"]
    p = project(client, h, edit(a, b))
    r = client.post(f"/v1/projects/{p['id']}/exports", json={"preset": "4k", "quality": "high"}, headers=h)
    assert r.status_code == 202 and r.json()["segments"] >= 2
    job_id = r.json()["job_id"]
    # the soundtrack part is quick, the 4k segments are not: cancel once a part is stored
    wait_until(lambda: re.match(r"[1-9] of \d+ parts rendered", job(ctx, job_id).stage or ""), timeout=60,
               what="a stored part")  # fmt: skip
    assert client.post(f"/v1/jobs/{job_id}/cancel", headers=h).json()["status"] == "cancelled"
    with ctx.db.session(system=True) as s:
        parts = [j.id for j in s.query(Job).filter(Job.kind.in_(("editor.export.segment", "editor.export.audio")),
                                                    Job.owner_id == editor["user"]["id"])]  # fmt: skip
    assert len(parts) == r.json()["segments"] + 1
    for part in parts:
        assert finished(part, timeout=60).status == "succeeded"  # a part that ends early ends well
    with ctx.db.session(system=True) as s:
        keys = part_keys(s.get_one(Export, r.json()["id"]))
    assert [k for k in keys if ctx.storage.exists(k)] == []  # nothing kept for an export that never joins


def test_otio_round_trip_keeps_every_cut(client: TestClient, editor: dict[str, Any], media: Media) -> None:
    h = editor["h"]
    a, b = upload(client, h, media.v30)["id"], upload(client, h, media.v30b)["id"]
    doc = edit(a, b)
    doc["video_tracks"][0]["clips"][2]["opacity"] = 0.5
    doc["audio_tracks"][0]["clips"] = [{"id": "m", "asset_id": b, "source_in": 3, "start": 10, "length": 40}]
    doc["overlays"] = [{"type": "text", "id": "t", "text": "Hi", "start": 5, "length": 10}]
    p = project(client, h, doc)
    before = p["timeline"]
    r = client.get(f"/v1/projects/{p['id']}/export.otio")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    tl = otio.adapters.read_from_string(r.text, "otio_json")
    track = tl.video_tracks()[0]
    assert [type(i).__name__ for i in track] == ["Clip", "Clip", "Transition", "Clip"]
    back = client.post(
        f"/v1/projects/{p['id']}/import.otio", content=r.content, headers={**h, "If-Match": '"1"'}
    )
    assert back.status_code == 200, back.text
    assert back.json()["timeline"] == before and back.json()["version"] == 2
    for fmt, adapter in (("fcpxml", "fcp_xml"), ("edl", "cmx_3600")):
        got = client.get(f"/v1/projects/{p['id']}/export.{fmt}")
        assert got.status_code == 200, got.text
        with tempfile.NamedTemporaryFile("w", suffix=".edl" if fmt == "edl" else ".xml") as f:
            f.write(got.text)
            f.flush()
            extra = {"rate": 30} if fmt == "edl" else {}
            other = otio.adapters.read_from_file(f.name, adapter, **extra)
        clips = list(other.video_tracks()[0].find_clips())
        starts = [round(other.video_tracks()[0].range_of_child(c).start_time.to_frames()) for c in clips]
        assert starts[:2] == [0, 20], (fmt, starts)  # the cuts land on the same frames


def test_edl_import_reads_timecodes_at_the_projects_rate(
    client: TestClient, editor: dict[str, Any], media: Media
) -> None:
    h = editor["h"]
    a, b = upload(client, h, media.v30)["id"], upload(client, h, media.v30b)["id"]
    p = project(client, h, edit(a, b))
    edl = client.get(f"/v1/projects/{p['id']}/export.edl").content
    back = client.post(f"/v1/projects/{p['id']}/import.edl?version=1", content=edl, headers=h)
    assert back.status_code == 200, back.text
    timeline = back.json()["timeline"]
    assert timeline["canvas"]["fps"] in ("30", "30/1")  # not the adapter's default of 24
    cuts = [
        (c["asset_id"], c["source_in"], c["source_out"], c["start"])
        for c in timeline["video_tracks"][0]["clips"]
    ]
    assert cuts[:2] == [(a, 5, 25, 0), (b, 40, 70, 20)], cuts
    at24 = client.post(f"/v1/projects/{p['id']}/import.edl?version=2&fps=24", content=edl, headers=h)
    assert at24.status_code == 422 and "Frame rate mismatch" in at24.text  # 30 fps timecodes at 24
    at60 = client.post(f"/v1/projects/{p['id']}/import.edl?version=2&fps=60", content=edl, headers=h)
    assert at60.status_code == 200 and at60.json()["timeline"]["canvas"]["fps"] in ("60", "60/1"), at60.text
    bad = client.post(f"/v1/projects/{p['id']}/import.edl?version=3&fps=fast", content=edl, headers=h)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "fps", bad.text
    assert client.get(f"/v1/projects/{p['id']}").json()["version"] == 3  # the refused import wrote nothing


def test_magic_cut_then_apply_ripples_out_the_pause(
    client: TestClient, editor: dict[str, Any], media: Media, finished: Callable[..., Job]
) -> None:
    h = editor["h"]
    asset = upload(client, h, media.speech)
    frames = asset["frames"]
    doc = {"canvas": {"width": 320, "height": 180, "fps": "30"}, "video_tracks": [
        {"id": "v1", "clips": [{"id": "talk", "asset_id": asset["id"], "source_in": 0, "source_out": frames, "start": 0}]}
    ]}  # fmt: skip
    p = project(client, h, doc)
    r = client.post(f"/v1/assets/{asset['id']}/magic-cut", json={"padding": 0.1, "scenes": "none"}, headers=h)
    assert r.status_code == 202 and r.headers["location"] == f"/v1/jobs/{r.json()['id']}"
    done = finished(r.json()["id"])
    assert done.status == "succeeded", done.error
    speech = done.result["speech"]  # type: ignore[index]
    assert len(speech) == 2
    for (s, e), (ts, te) in zip(speech, media.speech_truth, strict=True):
        assert abs(s - (ts - 0.1)) < 0.1 and abs(e - (te + 0.1)) < 0.1
    applied = client.post(
        f"/v1/projects/{p['id']}/magic-cut/apply", json={"job_id": r.json()["id"]}, headers=h
    )
    assert applied.status_code == 200, applied.text
    clips = applied.json()["timeline"]["video_tracks"][0]["clips"]
    assert len(clips) == 2 and applied.json()["version"] == 2
    assert clips[0]["start"] == 0 and clips[1]["start"] == clips[0]["source_out"] - clips[0]["source_in"]
    for clip, (s, e) in zip(clips, speech, strict=True):  # padding kept: whole frames around speech
        assert clip["source_in"] <= s * 30 < clip["source_in"] + 1 and clip["source_out"] >= e * 30
    kept = sum(c["source_out"] - c["source_in"] for c in clips)
    assert kept < frames - 30  # the 1.5 s pause (minus padding) is gone
