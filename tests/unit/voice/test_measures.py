"""Signal measures behind the upload checks, on signals with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from flowai.voice.audio import Audio
from flowai.voice.checks import clipped_fraction, estimate_snr_db
from flowai.voice.scoring import normalize_text, word_error_rate
from flowai.voice.vad import Segment, silero_vad

RATE = 16_000


def voice_like(gain: float) -> Audio:
    """Speech-like samples: Laplacian amplitudes, low-passed so neighbours correlate."""
    from scipy.signal import lfilter

    x = lfilter([1.0], [1.0, -0.95], np.random.default_rng(3).laplace(0, 1, 2 * RATE))
    return Audio(np.clip(x / np.max(np.abs(x)) * gain, -1, 1).astype(np.float32), RATE)


def test_speech_with_a_peak_near_full_scale_is_not_clipping() -> None:
    assert clipped_fraction(voice_like(0.99)) < 0.001


@pytest.mark.parametrize("level", [1.0, 0.5])  # digital clip, or an analog clip normalised down
def test_flat_tops_are_clipping_at_any_level(level: float) -> None:
    clipped = voice_like(4.0)
    assert clipped_fraction(Audio(clipped.samples * level, RATE)) > 0.01


def test_quiet_audio_never_counts_as_clipping() -> None:
    assert clipped_fraction(Audio(np.full(RATE, 0.1, dtype=np.float32), RATE)) == 0.0


@pytest.mark.parametrize("snr_db", [5.0, 20.0, 35.0])
def test_snr_estimate_tracks_the_true_ratio(snr_db: float) -> None:
    rng = np.random.default_rng(0)
    # 1 s bursts of a "voice" separated by 1 s pauses; noise runs throughout.
    t = np.arange(10 * RATE) / RATE
    gate = (np.floor(t) % 2 == 0).astype(np.float64)
    voice = np.sin(2 * np.pi * 180 * t) * gate
    noise_power = 0.5 / 10 ** (snr_db / 10)  # voice power while speaking is 0.5
    x = voice + rng.normal(0, np.sqrt(noise_power), t.size)
    segments = [Segment(float(s), float(s) + 1.0) for s in range(0, 10, 2)]
    estimate = estimate_snr_db(Audio(x.astype(np.float32), RATE), segments)
    assert estimate == pytest.approx(snr_db, abs=2.0)


def test_vad_finds_nothing_in_noise_or_silence() -> None:
    vad = silero_vad()
    noise = np.random.default_rng(0).normal(0, 0.05, 5 * RATE).astype(np.float32)
    assert vad.segments(Audio(noise, RATE)) == []
    assert vad.segments(Audio(np.zeros(5 * RATE, dtype=np.float32), RATE)) == []
    assert vad.probabilities(Audio(noise, RATE)).size == -(-5 * RATE // 512)


def test_wer_ignores_case_and_punctuation() -> None:
    assert normalize_text("Well-oiled, WHEELS!") == "well oiled wheels"
    assert word_error_rate("The cat sat.", "the cat sat") == 0.0
    assert word_error_rate("the cat sat", "the dog sat") == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="no words"):
        word_error_rate("...", "anything")
