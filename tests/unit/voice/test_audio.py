"""Decoding uploads with the project's FFmpeg, and refusing what is not audio."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from flowai.voice.audio import (
    Audio,
    AudioFormatError,
    decode,
    decode_bytes,
    ffmpeg_exe,
    resample,
    sniff_format,
    to_wav_bytes,
    write_wav,
)


def tone(seconds: float = 1.5, rate: int = 48_000) -> Audio:
    t = np.arange(int(seconds * rate)) / rate
    return Audio((0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), rate)


@pytest.mark.parametrize(
    ("suffix", "codec", "sniffed"),
    [
        (".mp3", ["-c:a", "libmp3lame"], "mp3"),
        (".m4a", ["-c:a", "aac"], {"m4a", "mp4"}),
        (".ogg", ["-c:a", "libopus"], "ogg"),
        (".webm", ["-c:a", "libopus"], "webm"),
        (".flac", ["-c:a", "flac"], "flac"),
    ],
)
def test_browser_and_phone_formats_decode_to_mono_at_the_asked_rate(
    tmp_path: Path, suffix: str, codec: list[str], sniffed: str | set[str]
) -> None:
    wav = tmp_path / "in.wav"
    write_wav(wav, tone())
    out = tmp_path / f"in{suffix}"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(wav), "-ac", "2", *codec, str(out)], check=True)
    kind = sniff_format(out.read_bytes()[:4096])
    assert kind in (sniffed if isinstance(sniffed, set) else {sniffed})
    audio = decode(out, 16_000)
    assert audio.sample_rate == 16_000
    assert audio.samples.ndim == 1
    assert audio.seconds == pytest.approx(1.5, abs=0.08)  # codec priming may add a few ms


def test_native_rate_is_kept_when_not_asked(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    write_wav(path, tone(rate=22_050))
    assert decode(path).sample_rate == 22_050


def test_text_renamed_wav_is_refused_before_ffmpeg(tmp_path: Path) -> None:
    path = tmp_path / "voice.wav"
    path.write_text("not a recording\n")
    with pytest.raises(AudioFormatError, match="plain text"):
        decode(path)


def test_truncated_audio_is_refused_with_a_reason(tmp_path: Path) -> None:
    data = to_wav_bytes(tone())[:44]  # a WAV header and no samples
    with pytest.raises(AudioFormatError):
        decode_bytes(data, suffix=".wav")


def test_wav_round_trip_and_resample() -> None:
    audio = tone(1.0, 44_100)
    back = decode_bytes(to_wav_bytes(audio), suffix=".wav")
    assert back.sample_rate == 44_100
    assert np.max(np.abs(back.samples - audio.samples)) < 1e-3
    down = resample(back, 16_000)
    assert down.samples.size == 16_000
