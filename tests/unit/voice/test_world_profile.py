"""The WORLD mapping on signals with known answers: pitch lands where the profile says."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from flowai.voice.audio import Audio
from flowai.voice.engines import world

RATE = 16_000


def harmonic(f0: float, seconds: float = 2.0) -> Audio:
    """A vowel-like buzz: 20 harmonics of ``f0`` with a falling spectrum."""
    t = np.arange(int(seconds * RATE)) / RATE
    x = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 21))
    return Audio((0.3 * x / np.max(np.abs(x))).astype(np.float32), RATE)


def median_f0(audio: Audio) -> float:
    frames = world.analyse(audio, RATE)
    return float(np.median(frames.f0[frames.voiced]))


@pytest.fixture(scope="module")
def profile() -> dict[str, Any]:
    source = world.speaker_stats(world.analyse(harmonic(120.0), RATE))
    target = world.speaker_stats(world.analyse(harmonic(210.0), RATE, for_statistics=True))
    return world.build_profile(target, source, formant_warp=1.1, base_voice="test-voice", sample_rate=RATE)


def test_conversion_moves_pitch_to_the_target_speaker(profile: dict[str, Any]) -> None:
    frames = world.analyse(harmonic(120.0), RATE)
    converted = world.convert(frames, profile)
    assert median_f0(converted) == pytest.approx(210.0, rel=0.05)
    assert np.max(np.abs(converted.samples)) <= 0.9


def test_relative_pitch_movement_is_kept(profile: dict[str, Any]) -> None:
    # A source note a fifth above the source mean stays above the target mean.
    converted = world.convert(world.analyse(harmonic(180.0), RATE), profile)
    assert median_f0(converted) > 215.0


def test_statistics_frames_cannot_be_resynthesised(profile: dict[str, Any]) -> None:
    frames = world.analyse(harmonic(120.0), RATE, for_statistics=True)
    with pytest.raises(ValueError, match="cannot be resynthesised"):
        world.convert(frames, profile)


def test_warp_moves_spectral_peaks_up() -> None:
    sp = np.zeros((1, 513))
    sp[0, 100] = 1.0
    warped = world.warp_envelope(sp, 1.2)
    assert int(np.argmax(warped[0])) == 120


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "something-else"}, "not a voice profile"),
        ({"version": 99}, "clone the voice again"),
        ({"mcep": {"target_mean": [0.0]}}, "must have 40 values"),
    ],
)
def test_invalid_profiles_are_refused(profile: dict[str, Any], change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        world.validate_profile({**profile, **change})


def test_too_little_voiced_speech_is_refused() -> None:
    silence = Audio(np.zeros(RATE, dtype=np.float32), RATE)
    with pytest.raises(ValueError, match="too little voiced speech"):
        world.speaker_stats(world.analyse(silence, RATE, for_statistics=True))
