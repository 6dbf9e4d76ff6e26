"""Upload validation on real audio: each bad sample is refused with a specific, actionable reason."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from flowai.voice.audio import Audio, decode, ffmpeg_exe, write_wav
from flowai.voice.checks import UploadRejected, check_upload


@pytest.fixture(scope="module")
def awb(upload: Callable[[str], Path]) -> Audio:
    return decode(upload("flite-awb"))


def rejected(path: Path) -> UploadRejected:
    with pytest.raises(UploadRejected) as info:
        check_upload(path)
    return info.value


@pytest.mark.slow
def test_clean_single_speaker_sample_is_accepted(upload: Callable[[str], Path]) -> None:
    report, audio = check_upload(upload("flite-awb"))
    assert 60 <= report.speech_s <= 180
    assert report.speakers == 1
    assert report.clipped_fraction == 0
    assert report.snr_db >= 15
    assert audio.sample_rate == 16_000 and audio.seconds == pytest.approx(report.duration_s, 0.01)


def test_twenty_seconds_of_speech_is_too_short(awb: Audio, tmp_path: Path) -> None:
    path = tmp_path / "short.wav"
    write_wav(path, Audio(awb.samples[: 20 * awb.sample_rate], awb.sample_rate))
    error = rejected(path)
    assert error.code == "too_short"
    assert "at least 60 s" in error.detail and 17 <= error.measured["speech_s"] <= 20.5


def test_five_minutes_of_speech_is_too_long(awb: Audio, tmp_path: Path) -> None:
    path = tmp_path / "long.wav"
    five_minutes = np.resize(awb.samples, 300 * awb.sample_rate)
    write_wav(path, Audio(five_minutes, awb.sample_rate))
    error = rejected(path)
    assert error.code == "too_long"
    assert "at most 180 s" in error.detail and error.measured["speech_s"] > 250


def test_pure_noise_has_no_speech(tmp_path: Path) -> None:
    path = tmp_path / "noise.wav"
    noise = np.random.default_rng(1).normal(0, 0.1, 70 * 16_000).astype(np.float32)
    write_wav(path, Audio(noise, 16_000))
    error = rejected(path)
    assert error.code == "no_speech"
    assert "only noise or silence" in error.detail


def test_very_quiet_speech_is_too_quiet(awb: Audio, tmp_path: Path) -> None:
    path = tmp_path / "quiet.wav"
    write_wav(path, Audio(awb.samples * 0.02, awb.sample_rate))  # about 34 dB down: -55 dBFS
    error = rejected(path)
    assert error.code == "too_quiet"
    assert error.detail.startswith("The recording is too quiet: speak closer to the microphone")
    assert error.measured["speech_dbfs"] < -50


def test_speech_under_loud_noise_is_too_noisy(awb: Audio, tmp_path: Path) -> None:
    path = tmp_path / "noisy.wav"
    speech_rms = float(np.sqrt(np.mean(awb.samples**2)))
    noise = np.random.default_rng(2).normal(0, speech_rms, awb.samples.size)  # ~0 dB SNR
    write_wav(path, Audio((awb.samples + noise).astype(np.float32), awb.sample_rate))
    error = rejected(path)
    assert error.code == "too_noisy"
    assert "signal-to-noise" in error.detail and error.measured["snr_db"] < 15


def test_clipped_audio_is_refused(awb: Audio, tmp_path: Path) -> None:
    path = tmp_path / "clipped.wav"
    write_wav(path, Audio(np.clip(awb.samples * 8, -1, 1), awb.sample_rate))
    error = rejected(path)
    assert error.code == "clipping"
    assert "microphone gain" in error.detail and error.measured["clipped_fraction"] > 0.001


def test_clipping_survives_a_lossy_browser_codec(awb: Audio, tmp_path: Path) -> None:
    wav, webm = tmp_path / "clipped.wav", tmp_path / "clipped.webm"
    write_wav(wav, Audio(np.clip(awb.samples * 4, -1, 1), awb.sample_rate))
    subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(wav), "-c:a", "libopus", str(webm)], check=True)
    assert rejected(webm).code == "clipping"


@pytest.mark.slow
def test_two_speakers_are_refused(awb: Audio, upload: Callable[[str], Path], tmp_path: Path) -> None:
    slt = decode(upload("flite-slt"), awb.sample_rate)
    block = 8 * awb.sample_rate
    parts = []
    for i in range(5):  # 80 s alternating in 8 s turns, like an interview
        parts += [awb.samples[i * block : (i + 1) * block], slt.samples[i * block : (i + 1) * block]]
    path = tmp_path / "interview.wav"
    write_wav(path, Audio(np.concatenate(parts), awb.sample_rate))
    error = rejected(path)
    assert error.code == "multiple_speakers"
    assert "More than one voice" in error.detail


def test_text_file_renamed_wav_is_not_audio(tmp_path: Path) -> None:
    path = tmp_path / "voice.wav"
    path.write_text("This is my voice, honestly.\n" * 50)
    error = rejected(path)
    assert error.code == "not_audio"
    assert "not audio" in error.detail and "plain text" in error.detail


def test_cli_check_and_profile_report_rejections_as_json(awb: Audio, tmp_path: Path) -> None:
    import json

    import typer
    from typer.testing import CliRunner

    from flowai.voice.cli import register

    app = typer.Typer()
    app.command()(lambda: None)
    register(app)
    text = tmp_path / "notes.wav"
    text.write_text("hello\n" * 20)
    short = tmp_path / "short.wav"
    write_wav(short, Audio(awb.samples[: 20 * awb.sample_rate], awb.sample_rate))

    checked = CliRunner().invoke(app, ["voice", "check", str(text)])
    assert checked.exit_code == 2
    assert json.loads(checked.output)["code"] == "not_audio"

    out = tmp_path / "p.json"
    made = CliRunner().invoke(app, ["voice", "profile", str(short), "-o", str(out)])
    assert made.exit_code == 2
    assert json.loads(made.output)["code"] == "too_short"
    assert not out.exists()
