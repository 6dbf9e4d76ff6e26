"""The voice API on SQLite and PostgreSQL: a real local clone from upload to narration to
deletion, every kind of refused upload (with nothing left behind), and tenant isolation."""

from __future__ import annotations

import io
import json
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from flowai_testkit import csrf, signup
from sqlalchemy import select

from flowai.core.context import AppContext
from flowai.core.models import Job, StoredFile, UserProfile
from flowai.voice.models import VoiceClone, VoiceNarration
from flowai.voice.service import CLONE_STAGES

from .conftest import clone  # type: ignore[import-not-found]


def rows(ctx: AppContext, model: Any, user_id: str) -> list[Any]:
    """The user's rows (the SQLite and PostgreSQL databases are shared by the session's tests)."""
    column = model.owner_id if model is StoredFile else model.user_id
    with ctx.db.session(system=True) as s:
        return list(s.execute(select(model).where(column == user_id)).scalars())


def voice_keys(ctx: AppContext) -> list[str]:
    return [k for k in ctx.storage.keys("t/") if "/voice/" in k]


def profile(ctx: AppContext, user_id: str) -> UserProfile:
    with ctx.db.session(system=True) as s:
        row = s.get(UserProfile, user_id)
        assert row is not None
        return row


@pytest.mark.slow
def test_clone_narrate_isolate_delete(
    client: TestClient, ctx: AppContext, creator: dict[str, Any], samples: dict[str, Path],
    finished: Callable[..., Job], make_tenant: Callable[[str], str],
) -> None:  # fmt: skip
    h, user_id = creator["h"], creator["user"]["id"]
    assert client.get("/v1/voice").json()["status"] == "none"

    # a 90 s recording: 202 as soon as it is stored; the checks are the job's first stage
    began = time.perf_counter()
    r = clone(client, h, samples["awb"])
    took = time.perf_counter() - began
    assert r.status_code == 202, r.text
    assert took < 2.0, f"the upload of a 90 s sample took {took:.2f} s to answer"
    assert r.headers["Location"] == f"/v1/jobs/{r.json()['job_id']}"
    started = r.json()
    assert started["status"] == "processing" and started["report"] == {}  # not checked in the request
    assert started["progress"] == 0 and started["stage"] == "queued"
    assert profile(ctx, user_id).voice_clone_status == "processing"
    assert client.get("/v1/voice").json()["status"] == "processing"
    # one clone at a time
    again = clone(client, h, samples["awb"])
    assert again.status_code == 409, again.text

    # every stage in order, each with its progress, over the job's SSE stream
    events = sse(client, started["job_id"])
    stages = [e["stage"] for e in events[:-1]]
    seen = list(dict.fromkeys(s for s in stages if s in CLONE_STAGES))
    assert seen == [s for s in CLONE_STAGES if s in seen], stages
    assert {"checking the recording", "building your voice", "checking quality"} <= set(seen), stages
    progress = [e["progress"] for e in events]
    assert progress == sorted(progress) and progress[-1] == 100, [(e["stage"], e["progress"]) for e in events]
    assert events[-1]["status"] == "succeeded"

    done = finished(started["job_id"])
    assert done.status == "succeeded", done.error
    voice = client.get("/v1/voice").json()
    assert voice["status"] == "ready" and voice["voice_id"].startswith("local_")
    report, metrics = voice["clone"]["report"], voice["clone"]["metrics"]
    assert report["speakers"] == 1 and 60 <= report["speech_s"] <= 180 and report["duration_s"] == 90
    assert {"check_s", "build_s", "quality_check_s", "job_s"} <= set(metrics), metrics
    assert voice["clone"]["progress"] is None and voice["clone"]["stage"] is None
    q = voice["clone"]["quality"]
    assert q["similarity"] > q["base_similarity"] + 0.1, q  # closer to the speaker than the base voice
    assert q["wer"] <= 0.5, q
    stored = profile(ctx, user_id)
    assert (stored.voice_clone_status, stored.voice_clone_id) == ("ready", voice["voice_id"])
    me = client.get("/v1/me").json()  # the profile columns show in the user itself
    assert (me["voice_clone_status"], me["voice_clone_id"]) == ("ready", voice["voice_id"])
    [row] = rows(ctx, VoiceClone, user_id)
    assert row.consent_statement.startswith("I confirm") and row.consent_ip and row.consent_at
    assert row.sample_key and ctx.storage.exists(row.sample_key)
    assert row.profile_key and ctx.storage.exists(row.profile_key)

    # narration: in my voice (MP3), in the default voice (WAV), by voice id, and a long one as a job
    mine = client.post(
        "/v1/tts", json={"text": "Welcome back to my channel.", "voice": "me", "format": "mp3"}, headers=h
    )
    assert mine.status_code == 201, mine.text
    n = mine.json()
    assert n["status"] == "ready" and n["voice"] == voice["voice_id"] and n["attempts"] in (1, 2)
    assert n["wer"] is not None and len(n["scores"]) == n["attempts"]
    audio = client.get(n["download_url"])
    assert audio.status_code == 200 and audio.content[:3] in (b"ID3", b"\xff\xfb", b"\xff\xf3")
    file = client.get(f"/v1/files/{n['file_id']}").json()  # an ordinary audio file for the editor
    assert file["kind"] == "audio" and file["content_type"] == "audio/mpeg"
    base = client.post("/v1/tts", json={"text": "Welcome back to my channel.", "voice": "default"}, headers=h)
    assert base.status_code == 201 and base.json()["voice"] == "default"
    with wave.open(io.BytesIO(client.get(base.json()["download_url"]).content)) as w:
        assert w.getnframes() / w.getframerate() > 1.0
    by_id = client.post("/v1/tts", json={"text": "Hello.", "voice": voice["voice_id"]}, headers=h)
    assert by_id.status_code == 201, by_id.text
    long_text = "The wagon moved on smooth wheels. It rolled across the open plain until dusk."
    long = client.post("/v1/tts", json={"text": long_text, "voice": "me"}, headers=h)
    assert long.status_code == 202, long.text
    assert finished(long.json()["job_id"]).status == "succeeded"
    got = client.get(f"/v1/tts/{long.json()['id']}").json()
    assert got["status"] == "ready" and got["seconds"] > 3 and got["download_url"]

    # another tenant sees none of it
    other = TestClient(client.app, base_url=f"http://{make_tenant('other')}")
    signup(other)
    oh = csrf(other)
    assert other.get(f"/v1/tts/{n['id']}").status_code == 404
    assert other.get(f"/v1/jobs/{started['job_id']}").status_code == 404
    assert other.get(f"/v1/files/{n['file_id']}").status_code == 404
    assert (
        other.post("/v1/tts", json={"text": "Hi.", "voice": voice["voice_id"]}, headers=oh).status_code == 404
    )
    assert other.post("/v1/tts", json={"text": "Hi.", "voice": "me"}, headers=oh).status_code == 409
    assert other.get("/v1/voice").json()["status"] == "none"
    # nor does another user of the same tenant
    neighbour = TestClient(client.app, base_url="http://localhost")
    signup(neighbour)
    nh = csrf(neighbour)
    assert (
        neighbour.post("/v1/tts", json={"text": "Hi.", "voice": voice["voice_id"]}, headers=nh).status_code
        == 404
    )

    # delete: engine profile and sample purged, profile reset, narrations kept
    assert client.delete("/v1/voice", headers=h).status_code == 204
    assert voice_keys(ctx) == []
    stored = profile(ctx, user_id)
    assert (stored.voice_clone_status, stored.voice_clone_id) == ("none", None)
    after = client.get("/v1/voice").json()
    assert (after["status"], after["voice_id"]) == ("none", None)
    assert client.post("/v1/tts", json={"text": "Hi.", "voice": "me"}, headers=h).status_code == 409
    assert client.get(n["download_url"]).status_code == 200
    assert {r.status for r in rows(ctx, VoiceClone, user_id)} == {"deleted"}
    assert {r.wer_passed is not None for r in rows(ctx, VoiceNarration, user_id)} == {True}


def sse(client: TestClient, job_id: str) -> list[dict[str, Any]]:
    """The job's SSE events (progress snapshots, then `done`) until it ends."""
    events = []
    with client.stream("GET", f"/v1/jobs/{job_id}/events") as stream:
        for line in stream.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
    return events


@pytest.fixture(autouse=True)
def quick_sse(monkeypatch: pytest.MonkeyPatch) -> None:
    """Poll the job row every 50 ms (not 500) so even a short stage shows in the stream."""
    from flowai.core import jobs_api

    monkeypatch.setattr(jobs_api, "POLL_SECONDS", 0.05)


REJECTIONS = [
    ("short", "too_short", "at least 60 s"),
    ("noise", "no_speech", "only noise or silence"),
    ("two", "multiple_speakers", "More than one voice"),
]


@pytest.mark.parametrize(("sample", "code", "says"), REJECTIONS, ids=[r[0] for r in REJECTIONS])
def test_a_bad_recording_fails_the_job_with_the_reason_and_leaves_nothing(
    client: TestClient, ctx: AppContext, creator: dict[str, Any], samples: dict[str, Path],
    finished: Callable[..., Job], sample: str, code: str, says: str,
) -> None:  # fmt: skip
    r = clone(client, creator["h"], samples[sample])
    assert r.status_code == 202, r.text
    events = sse(client, r.json()["job_id"])
    assert events[-1]["status"] == "failed" and says in events[-1]["error"], events[-1]
    assert "checking the recording" in [e["stage"] for e in events], events
    job_row = finished(r.json()["job_id"])
    assert job_row.status == "failed" and job_row.attempts == 1  # a bad recording is not retried
    voice = client.get("/v1/voice").json()
    assert voice["status"] == "failed" and voice["voice_id"] is None
    attempt = voice["last_attempt"]
    assert attempt["error_code"] == code and attempt["error"] == events[-1]["error"]  # the same plain words
    assert attempt["report"]["rejected"] == code
    uid = creator["user"]["id"]
    assert rows(ctx, StoredFile, uid) == [] and voice_keys(ctx) == []  # the sample is purged
    assert profile(ctx, uid).voice_clone_status == "failed"
    assert not list((ctx.settings.data_dir / "tmp").glob("*"))  # the upload's scratch copy is gone


def test_a_file_that_is_not_audio_is_refused_at_once(
    client: TestClient, ctx: AppContext, creator: dict[str, Any], samples: dict[str, Path]
) -> None:
    r = clone(client, creator["h"], samples["text"])
    assert r.status_code == 415, r.text
    problem = r.json()
    assert r.headers["content-type"] == "application/problem+json"
    assert problem["type"].endswith("voice-not-audio") and "plain text" in problem["detail"]
    assert problem["errors"][0]["field"] == "audio"
    uid = creator["user"]["id"]
    assert rows(ctx, VoiceClone, uid) == [] and rows(ctx, StoredFile, uid) == [] and voice_keys(ctx) == []
    assert profile(ctx, creator["user"]["id"]).voice_clone_status == "none"
    assert not list((ctx.settings.data_dir / "tmp").glob("*"))


def test_consent_is_required(
    client: TestClient, ctx: AppContext, creator: dict[str, Any], samples: dict[str, Path]
) -> None:
    r = clone(client, creator["h"], samples["text"], consent="false")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "consent"
    raw = client.post("/v1/voice/clone?filename=a.wav", content=b"RIFF....", headers=creator["h"])
    assert raw.status_code == 422 and "consent" in raw.json()["detail"]
    assert rows(ctx, VoiceClone, creator["user"]["id"]) == [] and voice_keys(ctx) == []


def test_upload_size_is_limited(client: TestClient, ctx: AppContext, creator: dict[str, Any]) -> None:
    limit = ctx.settings.voice_max_upload_mb * 1024 * 1024

    def body() -> Any:
        chunk = b"\0" * (1024 * 1024)
        for _ in range(limit // len(chunk) + 2):
            yield chunk

    r = client.post("/v1/voice/clone?consent=true", content=body(), headers=creator["h"])
    assert r.status_code == 413 and "MiB" in r.json()["detail"]
    assert rows(ctx, VoiceClone, creator["user"]["id"]) == [] and voice_keys(ctx) == []


def _form(parts: list[bytes], boundary: str = "flowai-test") -> tuple[bytes, dict[str, str]]:
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + p + b"\r\n" for p in parts)
    return body + b"--" + boundary.encode() + b"--\r\n", {
        "Content-Type": f"multipart/form-data; boundary={boundary}"
    }


@pytest.mark.parametrize(
    ("parts", "says"),
    [
        ([b'Content-Disposition: form-data; name="consent"\r\nX-Big: ' + b"a" * 200_000 + b"\r\n\r\ntrue"],
         "8 headers of at most 4 KiB each"),
        ([b'Content-Disposition: form-data; name="consent"\r\n'
          + b"".join(b"X-H%d: v\r\n" % i for i in range(12)) + b"\r\ntrue"],
         "8 headers of at most 4 KiB each"),
        ([b'Content-Disposition: form-data; name="f%d"\r\n\r\nx' % i for i in range(40)], "limited to 16 parts"),
        ([b'Content-Disposition: form-data; name="consent"\r\n'
          + b"".join(b"X-H%d: " % i + b"v" * 3500 + b"\r\n" for i in range(6)) + b"\r\ntrue"],
         "headers are limited to 16 KiB"),
    ],
)  # fmt: skip
def test_multipart_headers_and_parts_are_bounded(
    client: TestClient, ctx: AppContext, creator: dict[str, Any], parts: list[bytes], says: str
) -> None:
    body, headers = _form(parts)
    r = client.post("/v1/voice/clone", content=body, headers={**creator["h"], **headers})
    assert r.status_code == 400 and r.json()["type"].endswith("/bad-multipart"), r.text
    assert says in r.json()["detail"] and r.json()["errors"][0]["field"] == "body"
    assert rows(ctx, VoiceClone, creator["user"]["id"]) == [] and voice_keys(ctx) == []


def test_multipart_is_parsed_off_the_event_loop(
    client: TestClient, creator: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from flowai.voice import api

    on_loop: list[bool] = []

    class Spy(api.MultipartParser):  # type: ignore[misc]
        def write(self, data: bytes) -> int:
            try:
                asyncio.get_running_loop()
                on_loop.append(True)
            except RuntimeError:
                on_loop.append(False)
            return int(super().write(data))

    monkeypatch.setattr(api, "MultipartParser", Spy)
    body, headers = _form([b'Content-Disposition: form-data; name="consent"\r\n\r\nfalse'])
    r = client.post("/v1/voice/clone", content=body, headers={**creator["h"], **headers})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "consent", r.text
    assert on_loop and not any(on_loop)


def test_narration_needs_a_voice_and_sane_text(client: TestClient, creator: dict[str, Any]) -> None:
    h = creator["h"]
    assert client.post("/v1/tts", json={"text": "Hi.", "voice": "me"}, headers=h).status_code == 409
    assert client.post("/v1/tts", json={"text": "Hi.", "voice": "local_nope"}, headers=h).status_code == 404
    assert client.post("/v1/tts", json={"text": "   ", "voice": "default"}, headers=h).status_code == 422
    assert client.post("/v1/tts", json={"text": "Hi.", "format": "flac"}, headers=h).status_code == 422
    assert client.get("/v1/tts/01nope").status_code == 404
