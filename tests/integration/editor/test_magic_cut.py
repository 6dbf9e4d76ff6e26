"""Magic Cut on generated speech with known pauses and video with known cuts and a dissolve."""

from __future__ import annotations

import subprocess
import wave
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from flowai.editor.magic_cut import SpeechParams, analyse, apply_cuts, find_scenes
from flowai.editor.media import ffmpeg_exe
from flowai.editor.render import render
from flowai.editor.timeline import load_timeline

from .conftest import Sources, decode_gray, read_barcode  # type: ignore[import-not-found]
from .test_render_frames import check  # type: ignore[import-not-found]

LINES = ["Hello there, my friend.", "This is a small test of the cutter.", "Goodbye for now."]
PAUSES = [0.8, 1.0, 1.5, 0.8]  # before, between, between, after
RATE = 22050


def speak(text: str, path: Path) -> np.ndarray:
    subprocess.run(["espeak-ng", "-w", str(path), text], check=True)
    with wave.open(str(path)) as w:
        assert w.getframerate() == RATE
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768
    loud = np.flatnonzero(np.abs(pcm) > 0.02)
    return pcm[loud[0] : loud[-1] + 1]  # exact speech extent: no leading/trailing silence


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[float, float]]]:
    if subprocess.run(["which", "espeak-ng"], capture_output=True).returncode:
        pytest.skip("espeak-ng is not installed (make deps installs it)")
    d = tmp_path_factory.mktemp("speech")
    parts: list[np.ndarray] = []
    truth: list[tuple[float, float]] = []
    t = 0.0
    for i, text in enumerate(LINES):
        gap = np.zeros(int(PAUSES[i] * RATE), dtype=np.float32)
        said = speak(text, d / f"line{i}.wav")
        parts += [gap, said]
        t += gap.size / RATE
        truth.append((t, t + said.size / RATE))
        t += said.size / RATE
    parts.append(np.zeros(int(PAUSES[-1] * RATE), dtype=np.float32))
    # a little noise so "silence" is not digital zero
    audio = np.concatenate(parts) + np.random.default_rng(1).normal(0, 0.001, sum(map(len, parts)))
    path = d / "speech.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
    return path, truth


def matched(found: list[tuple[float, float]], truth: list[tuple[float, float]], tol: float) -> int:
    return sum(any(abs(fs - ts) <= tol and abs(fe - te) <= tol for ts, te in truth) for fs, fe in found)


def test_speech_boundaries_within_a_tenth_of_a_second(
    speech: tuple[Path, list[tuple[float, float]]],
) -> None:
    path, truth = speech
    result = analyse(path, params=SpeechParams(padding=0.0, min_silence=0.5), detector=None)
    hits = matched(result.speech, truth, 0.1)
    precision, recall = hits / len(result.speech), hits / len(truth)
    assert (precision, recall) == (1.0, 1.0), (result.speech, truth)
    assert len(result.silences) == 4
    assert result.silences[0][0] == 0.0
    assert result.silences[-1][1] == pytest.approx(sum(PAUSES) + sum(e - s for s, e in truth), abs=0.01)


def test_padding_is_kept_around_speech(speech: tuple[Path, list[tuple[float, float]]]) -> None:
    path, truth = speech
    result = analyse(path, params=SpeechParams(padding=0.2, min_silence=0.5), detector=None)
    for (s, e), (ts, te) in zip(result.speech, truth, strict=True):
        assert s == pytest.approx(ts - 0.2, abs=0.1) and e == pytest.approx(te + 0.2, abs=0.1)


@pytest.fixture(scope="module")
def scenes_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Hard cuts at frames 30 and 105, a 15-frame dissolve over frames 60-74."""
    rng = np.random.default_rng(7)
    looks = [
        (rng.integers(0, 24, (180, 320, 3)) + np.array([150, 30, 30])).clip(0, 255),
        (rng.integers(0, 24, (180, 320, 3)) + np.array([20, 140, 40])).clip(0, 255),
        (rng.integers(0, 24, (180, 320, 3)) + np.array([30, 40, 160])).clip(0, 255),
        (rng.integers(0, 24, (180, 320, 3)) + np.array([170, 170, 20])).clip(0, 255),
    ]
    frames = []
    for n in range(135):
        if n < 30:
            img = looks[0]
        elif n < 60:
            img = looks[1]
        elif n < 75:
            w = (n - 59) / 16
            img = (1 - w) * looks[1] + w * looks[2]
        elif n < 105:
            img = looks[2]
        else:
            img = looks[3]
        frames.append(np.asarray(img, dtype=np.uint8).tobytes())
    path = tmp_path_factory.mktemp("scenes") / "scenes.mp4"
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo",
         "-pix_fmt", "rgb24", "-s", "320x180", "-r", "30", "-i", "-", "-c:v", "libx264",
         "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p", str(path)],
        input=b"".join(frames), check=True,
    )  # fmt: skip
    return path


def test_scdet_finds_hard_cuts_on_the_exact_frame(scenes_video: Path) -> None:
    assert find_scenes(scenes_video, Fraction(30), "scdet") == [30, 105]


def test_histogram_detector_also_finds_the_dissolve(scenes_video: Path) -> None:
    found = find_scenes(scenes_video, Fraction(30), "histogram")
    assert 30 in found and 105 in found
    others = set(found) - {30, 105}
    # the dissolve (frames 60-74) is found, and nothing outside it: it may be reported at its
    # first frame, its end (75) or both
    assert others and all(60 <= f <= 75 for f in others), found


def test_apply_cuts_ripples_and_renders_only_kept_frames(sources: Sources, tmp_path: Path) -> None:
    doc = {
        "canvas": {"width": 320, "height": 180, "fps": "30"},
        "video_tracks": [{"id": "main", "clips": [
            {"id": "a", "asset_id": "v30", "source_in": 0, "source_out": 90, "start": 0},
            {"id": "b", "asset_id": "v30b", "source_in": 0, "source_out": 10, "start": 90},
        ]}],
    }  # fmt: skip
    checked = check(doc, sources)
    # keep 0.5-1.0 s and 2.0-2.5 s of v30 (frames 15-29 and 60-74): 30 of its 90 frames
    cut = apply_cuts(checked, "main", {"v30": [(0.5, 1.0), (2.0, 2.5)]})
    clips = cut.video_tracks[0].clips
    assert [(c.id, c.source_in, c.source_out, c.start) for c in clips] == [
        ("a.0", 15, 30, 0), ("a.1", 60, 75, 15), ("b", 0, 10, 30),
    ]  # fmt: skip
    again = check(load_timeline(cut.model_dump_json()).model_dump(mode="json"), sources)
    out = render(again, tmp_path / "cut.mp4", preset="canvas").path
    shown = [read_barcode(f) for f in decode_gray(out)]
    want = [(1, n) for n in [*range(15, 30), *range(60, 75)]] + [(3, n) for n in range(10)]
    assert shown == want


def test_scdet_downscale_does_not_turn_grain_into_cuts(tmp_path: Path) -> None:
    """720p grainy footage (a cellular automaton, then a test pattern) with one cut at frame 60:
    scdet reads it through the 320-px scale, where a resampler that aliases (fast_bilinear) made
    the grain a cut at frame 1."""
    path = tmp_path / "grain.mp4"
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "cellauto=s=1280x720:r=30:rule=110,trim=duration=2,noise=alls=15:allf=t",
         "-f", "lavfi", "-i", "testsrc2=s=1280x720:r=30:d=2,noise=alls=25:allf=t",
         "-filter_complex", "[0:v]format=yuv420p,setsar=1[a];[1:v]format=yuv420p,setsar=1[b];[a][b]concat=n=2:v=1[v]",
         "-map", "[v]", "-c:v", "libx264", "-preset", "veryfast", str(path)],
        check=True,
    )  # fmt: skip
    assert find_scenes(path, Fraction(30), "scdet") == [60]
