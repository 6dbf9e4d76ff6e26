"""Upload validation for voice cloning: refuse what would make a bad clone, and say why.

Each rejection carries a stable ``code`` (for the API's problem ``type``) and a ``detail`` a
creator can act on. The checks run cheapest first and stop at the first problem, so a
five-minute file is refused before any speaker embedding is computed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from flowai.voice.audio import Audio, AudioFormatError, decode, resample
from flowai.voice.scoring import Embedding, cosine, mean_direction, speaker_encoder
from flowai.voice.vad import VAD_RATE, Segment, silero_vad


@dataclass(frozen=True)
class Limits:
    """Thresholds for an acceptable cloning sample."""

    min_speech_s: float = 60.0
    max_speech_s: float = 180.0
    max_clipped_fraction: float = 0.001
    min_snr_db: float = 15.0
    #: Average level of the speech (RMS, dB below full scale) under which it is too quiet to use.
    min_speech_dbfs: float = -50.0
    #: Cosine between the two speaker clusters below which we call them different people.
    same_speaker_cosine: float = 0.7
    #: The smaller cluster must hold at least this share of speech to count as a speaker.
    min_speaker_share: float = 0.2
    window_s: float = 4.0


@dataclass(frozen=True)
class UploadReport:
    """What the checks measured; stored with the clone as its quality report."""

    duration_s: float
    speech_s: float
    clipped_fraction: float
    snr_db: float
    speakers: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class UploadRejected(ValueError):
    """An upload that cannot be cloned; ``code`` is stable, ``detail`` is for people."""

    def __init__(self, code: str, detail: str, *, measured: dict[str, float] | None = None):
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.field = "audio"
        self.measured = measured or {}


@dataclass(frozen=True)
class CheckedUpload:
    """A sample that passed: the report, the 16 kHz audio, and the speaker's d-vector (the
    normalised mean over the speech windows the speaker check embedded: the quality check's
    reference, so the sample is embedded once per clone)."""

    report: UploadReport
    audio: Audio
    embedding: Embedding


def check_upload(path: Path, limits: Limits = Limits()) -> tuple[UploadReport, Audio]:
    """Validate a cloning sample; return the report and the decoded 16 kHz audio, or raise."""
    checked = inspect_upload(path, limits)
    return checked.report, checked.audio


def inspect_upload(
    path: Path, limits: Limits = Limits(), progress: Callable[[float], None] | None = None
) -> CheckedUpload:
    """Validate a cloning sample (see `check_upload`), keeping what later stages reuse;
    ``progress`` is told the share done (0 to 1) after each check."""
    report = progress or (lambda done: None)
    try:
        native = decode(path)
    except AudioFormatError as exc:
        raise UploadRejected("not_audio", str(exc)) from exc
    clipped = clipped_fraction(native)
    if clipped > limits.max_clipped_fraction:
        raise UploadRejected(
            "clipping",
            f"The recording clips: {clipped:.1%} of samples are flattened at full level. "
            "Lower the microphone gain (or move back from it) and record again.",
            measured={"clipped_fraction": clipped},
        )
    report(0.15)
    audio = resample(native, VAD_RATE)
    segments = silero_vad().segments(audio)
    report(0.35)
    speech_s = sum(s.seconds for s in segments)
    if speech_s < 1.0:
        raise UploadRejected(
            "no_speech",
            "No speech was detected: the recording holds only noise or silence. "
            "Check that the right microphone is selected and speak close to it.",
            measured={"speech_s": speech_s},
        )
    level = speech_level_dbfs(audio, segments)
    if level < limits.min_speech_dbfs:
        raise UploadRejected(
            "too_quiet",
            "The recording is too quiet: speak closer to the microphone or turn its input level "
            f"up, and record again (the speech averages {level:.0f} dBFS; "
            f"{limits.min_speech_dbfs:.0f} dBFS or louder is needed).",
            measured={"speech_dbfs": level},
        )
    snr = estimate_snr_db(audio, segments)
    if snr < limits.min_snr_db:
        raise UploadRejected(
            "too_noisy",
            f"The recording is too noisy: estimated signal-to-noise ratio {snr:.0f} dB, "
            f"at least {limits.min_snr_db:.0f} dB is needed. Record in a quiet room, away "
            "from fans, traffic and music.",
            measured={"snr_db": snr},
        )
    if speech_s < limits.min_speech_s:
        raise UploadRejected(
            "too_short",
            f"Only {speech_s:.0f} s of speech was found; at least {limits.min_speech_s:.0f} s "
            f"is needed. Record about {limits.min_speech_s - speech_s + 10:.0f} s more of "
            "continuous reading.",
            measured={"speech_s": speech_s},
        )
    if speech_s > limits.max_speech_s:
        raise UploadRejected(
            "too_long",
            f"The recording has {speech_s:.0f} s of speech; at most "
            f"{limits.max_speech_s:.0f} s is accepted. Trim it to 1 to 3 minutes.",
            measured={"speech_s": speech_s},
        )
    report(0.4)
    speakers, embedding = _speakers(audio, segments, limits)
    if speakers > 1:
        raise UploadRejected(
            "multiple_speakers",
            "More than one voice was found in the recording. Upload speech of only the "
            "person whose voice is being cloned, with no interviews, duets or background talk.",
            measured={"speakers": float(speakers)},
        )
    measured = UploadReport(
        duration_s=round(native.seconds, 2),
        speech_s=round(speech_s, 2),
        clipped_fraction=clipped,
        snr_db=round(snr, 1),
        speakers=speakers,
    )
    report(1.0)
    return CheckedUpload(measured, audio, embedding)


def clipped_fraction(audio: Audio) -> float:
    """Share of samples that look clipped, by two tests (the larger share wins).

    Flat runs: three samples in a row held at the recording's peak (exact for WAV/FLAC, at any
    level). Full scale: samples at 95 % of full scale or more; lossy codecs (MP3, Opus in WebM,
    AAC) ring around a clipped top, so it is no longer flat, but it still sits at full scale,
    where speech with headroom almost never goes. Measured at the native rate: resampling
    rounds flat tops off.
    """
    x = audio.samples
    magnitude = np.abs(x)
    peak = float(magnitude.max(initial=0.0))
    if peak < 0.25 or x.size < 3:
        return 0.0
    at_peak = magnitude >= peak * 0.98
    flat = np.abs(np.diff(x)) <= peak * 1e-3
    runs = at_peak[1:-1] & at_peak[:-2] & at_peak[2:] & flat[1:] & flat[:-1]
    full_scale = float(np.mean(magnitude >= 0.95))
    return max(float(runs.sum()) / x.size, full_scale)


def speech_level_dbfs(audio: Audio, segments: list[Segment]) -> float:
    """RMS level of the speech segments in dB relative to full scale (0 = a full-scale square)."""
    rate = audio.sample_rate
    speech = [audio.samples[int(s.start * rate) : int(s.end * rate)] for s in segments]
    power = float(np.mean(np.concatenate(speech).astype(np.float64) ** 2)) if speech else 0.0
    return float(10.0 * np.log10(max(power, 1e-12)))


def estimate_snr_db(audio: Audio, segments: list[Segment], frame_s: float = 0.02) -> float:
    """Speech level over the noise floor (10th percentile of 20 ms frame power), in dB.

    The percentile finds the floor even when there are no clean pauses between words.
    """
    hop = int(frame_s * audio.sample_rate)
    n = audio.samples.size // hop
    power = (audio.samples[: n * hop].reshape(n, hop).astype(np.float64) ** 2).mean(axis=1)
    mask = np.zeros(n, dtype=bool)
    for seg in segments:
        mask[int(seg.start / frame_s) : int(seg.end / frame_s)] = True
    speech = float(power[mask].mean()) if mask.any() else float(power.mean())
    noise = max(float(np.percentile(power, 10)), 1e-10)
    return float(10.0 * np.log10(max(speech - noise, 1e-12) / noise))


def count_speakers(audio: Audio, segments: list[Segment], limits: Limits = Limits()) -> int:
    """1 or 2: split speech windows into two clusters of speaker embeddings and compare them."""
    return _speakers(audio, segments, limits)[0]


def _speakers(audio: Audio, segments: list[Segment], limits: Limits) -> tuple[int, Embedding]:
    """The speaker count and the d-vector of all the speech (one encoder call for both)."""
    from scipy.cluster.hierarchy import fcluster, linkage

    rate = audio.sample_rate
    speech = np.concatenate([audio.samples[int(s.start * rate) : int(s.end * rate)] for s in segments])
    step = int(limits.window_s * rate)
    chunks = [Audio(speech[i : i + step], rate) for i in range(0, speech.size - step + 1, step)]
    if not chunks:
        chunks = [Audio(speech, rate)]
    per_chunk = speaker_encoder().window_embeddings(chunks)
    embedding = mean_direction(np.concatenate(per_chunk))
    if len(per_chunk) < 4:
        return 1, embedding
    vectors = np.stack([mean_direction(w) for w in per_chunk])
    labels = fcluster(linkage(vectors, method="average", metric="cosine"), 2, "maxclust")
    shares = [float(np.mean(labels == k)) for k in (1, 2)]
    if min(shares) < limits.min_speaker_share:
        return 1, embedding
    centroids = [vectors[labels == k].mean(axis=0) for k in (1, 2)]
    return (2 if cosine(centroids[0], centroids[1]) < limits.same_speaker_cosine else 1), embedding
