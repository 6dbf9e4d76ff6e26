"""Fixtures for the editor API tests: small barcoded media (the engine tests' helpers), a
signed-in client, and job polling through the database (the API's rate limits stay out of it)."""

from __future__ import annotations

import subprocess
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from flowai_media import speak
from flowai_testkit import csrf, finished_job, job_row, make_settings, signup, wait_until

from flowai.core.context import AppContext
from flowai.core.models import Job
from flowai.editor.media import ffmpeg_exe
from flowai.settings import Settings

from ..editor.conftest import AUDIO_RATE, H, W, barcode_frame, make_barcode_video  # type: ignore[import-not-found]

GENEROUS = {"free": {"per_key": "100000/minute", "per_tenant": "100000/minute", "concurrent_jobs": 50}}


@dataclass(frozen=True)
class Media:
    v30: Path  # barcode id 1, 30 fps, 90 frames, beep at frame 45
    v30b: Path  # barcode id 3, 30 fps, 90 frames
    speech: Path  # barcode id 5, 30 fps, speech / 1.5 s pause / speech
    speech_truth: list[tuple[float, float]]
    corrupt: Path  # an MP4 header followed by garbage


def _speech_video(d: Path) -> tuple[Path, list[tuple[float, float]]]:
    pause = np.zeros(int(1.5 * AUDIO_RATE), dtype=np.float32)
    lead = np.zeros(int(0.5 * AUDIO_RATE), dtype=np.float32)
    a, b = speak("Hello there, my friend.", d / "a.wav"), speak("Goodbye for now.", d / "b.wav")
    audio = np.concatenate([lead, a, pause, b, lead])
    audio += np.random.default_rng(1).normal(0, 0.001, audio.size).astype(np.float32)
    t0 = lead.size / AUDIO_RATE
    truth = [(t0, t0 + a.size / AUDIO_RATE)]
    t1 = truth[0][1] + pause.size / AUDIO_RATE
    truth.append((t1, t1 + b.size / AUDIO_RATE))
    wav = d / "speech.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(AUDIO_RATE)
        w.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
    frames = int(np.ceil(audio.size / AUDIO_RATE * 30))
    out = d / "speech.mp4"
    cmd = [
        ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "gray", "-s", f"{W}x{H}", "-r", "30", "-i", "-", "-i", str(wav),
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(out),
    ]  # fmt: skip
    raw = b"".join(barcode_frame(n, 5).tobytes() for n in range(frames))
    subprocess.run(cmd, input=raw, check=True)
    return out, truth


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> Media:
    d = tmp_path_factory.mktemp("editor-api-media")
    v30 = make_barcode_video(d / "v30.mp4", fps=Fraction(30), frames=90, source_id=1, beep_frame=45)
    v30b = make_barcode_video(d / "v30b.mp4", fps=Fraction(30), frames=90, source_id=3, beep_frame=None)
    corrupt = d / "corrupt.mp4"
    corrupt.write_bytes(v30.read_bytes()[:64] + np.random.default_rng(2).bytes(50_000))
    if subprocess.run(["which", "espeak-ng"], capture_output=True).returncode:
        pytest.skip("espeak-ng is not installed (make deps installs it)")
    speech, truth = _speech_video(d)
    return Media(v30, v30b, speech, truth, corrupt)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path, database_url, plans=GENEROUS)


@pytest.fixture
def editor(client: TestClient) -> Iterator[dict[str, Any]]:
    """A signed-in user of the default tenant: its id and the CSRF header for writes."""
    user = signup(client)
    yield {"user": user, "h": csrf(client)}


def job(ctx: AppContext, job_id: str) -> Job:
    return job_row(ctx, job_id)  # type: ignore[no-any-return]


@pytest.fixture
def finished(ctx: AppContext) -> Callable[..., Job]:
    """Wait until a job ended; returns its row."""

    def wait(job_id: str, timeout: float = 60.0) -> Job:
        return wait_until(
            lambda: finished_job(ctx, job_id),
            timeout=timeout, interval=0.1, what=f"job {job_id}",
        )  # fmt: skip

    return wait


def upload(client: TestClient, headers: dict[str, str], path: Path) -> Any:
    r = client.post(f"/v1/assets?filename={path.name}", content=path.read_bytes(), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()
