"""Voice conversion with the WORLD vocoder: a speaker as a handful of statistics.

A cloned voice is the mean/spread of log-F0, one formant warp factor and the per-dimension
mean/spread of the mel-cepstral spectral envelope. Conversion analyses base speech, maps each of
those onto the target's, and resynthesises. It is global (no parallel data, no training), so it
runs faster than real time on a laptop CPU and the profile fits in a few kilobytes of JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyworld

from flowai.voice.audio import Audio, resample

PROFILE_FORMAT = "flowai.voice.world-profile"
PROFILE_VERSION = 1
FRAME_PERIOD_MS = 5.0
MCEP_DIMS = 40

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Frames:
    """WORLD parameters: F0 per frame (0 = unvoiced), spectral envelope, aperiodicity."""

    f0: F64
    sp: F64
    ap: F64
    sample_rate: int

    @property
    def voiced(self) -> npt.NDArray[np.bool_]:
        return self.f0 > 0


def analyse(audio: Audio, sample_rate: int, *, for_statistics: bool = False) -> Frames:
    """DIO + StoneMask F0, CheapTrick envelope, D4C aperiodicity.

    ``for_statistics``: a coarser DIO pass and no aperiodicity (statistics need neither), about
    three times faster; frames analysed so cannot be resynthesised.
    """
    x = resample(audio, sample_rate).samples.astype(np.float64)
    speed = 4 if for_statistics else 1
    f0, t = pyworld.dio(x, sample_rate, frame_period=FRAME_PERIOD_MS, speed=speed)
    f0 = pyworld.stonemask(x, f0, t, sample_rate)
    sp = pyworld.cheaptrick(x, f0, t, sample_rate)
    ap = np.zeros((0, sp.shape[1])) if for_statistics else pyworld.d4c(x, f0, t, sample_rate)
    return Frames(f0=f0, sp=sp, ap=ap, sample_rate=sample_rate)


def warp_envelope(sp: F64, factor: float) -> F64:
    """Stretch the frequency axis by ``factor`` (> 1 moves formants up), frame by frame."""
    n = sp.shape[-1]
    src = np.clip(np.arange(n) / factor, 0, n - 1)
    lo = np.floor(src).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    w = src - lo
    return np.ascontiguousarray(sp[..., lo] * (1 - w) + sp[..., hi] * w)


def _mcep(sp: F64, sample_rate: int) -> F64:
    return np.asarray(pyworld.code_spectral_envelope(sp, sample_rate, MCEP_DIMS), dtype=np.float64)


@dataclass(frozen=True)
class SpeakerStats:
    """Log-F0 and mel-cepstral statistics over voiced frames."""

    log_f0_mean: float
    log_f0_std: float
    mcep_mean: F64
    mcep_std: F64
    voiced_s: float


def speaker_stats(frames: Frames, warp: float = 1.0, stride: int = 1) -> SpeakerStats:
    """Statistics of ``frames`` after a formant warp; ``stride`` > 1 subsamples frames."""
    if int(frames.voiced.sum()) < 200:
        raise ValueError("too little voiced speech to build a voice profile")
    lf0 = np.log(frames.f0[frames.voiced])
    sp = frames.sp[frames.voiced][::stride]
    c = _mcep(warp_envelope(sp, warp) if warp != 1.0 else np.ascontiguousarray(sp), frames.sample_rate)
    return SpeakerStats(
        log_f0_mean=float(lf0.mean()),
        log_f0_std=float(lf0.std()),
        mcep_mean=c.mean(axis=0),
        mcep_std=c.std(axis=0),
        voiced_s=float(frames.voiced.sum()) * FRAME_PERIOD_MS / 1000,
    )


def build_profile(
    target: SpeakerStats,
    source: SpeakerStats,
    *,
    formant_warp: float,
    base_voice: str,
    sample_rate: int,
) -> dict[str, Any]:
    """The versioned JSON profile: target statistics and the (warped) source ones they map from."""
    return {
        "format": PROFILE_FORMAT,
        "version": PROFILE_VERSION,
        "base_voice": base_voice,
        "sample_rate": sample_rate,
        "f0": {
            "target_log_mean": target.log_f0_mean,
            "target_log_std": target.log_f0_std,
            "source_log_mean": source.log_f0_mean,
            "source_log_std": source.log_f0_std,
        },
        "formant_warp": round(formant_warp, 3),
        "mcep": {
            "dims": MCEP_DIMS,
            "target_mean": _rounded(target.mcep_mean),
            "target_std": _rounded(target.mcep_std),
            "source_mean": _rounded(source.mcep_mean),
            "source_std": _rounded(source.mcep_std),
        },
        "analysed_voiced_s": round(target.voiced_s, 1),
    }


def _rounded(values: F64) -> list[float]:
    return [round(float(v), 6) for v in values]


def validate_profile(profile: dict[str, Any]) -> None:
    """Raise ValueError unless ``profile`` is one this code can convert with."""
    if profile.get("format") != PROFILE_FORMAT:
        raise ValueError(f"not a voice profile (format must be {PROFILE_FORMAT!r})")
    if profile.get("version") != PROFILE_VERSION:
        raise ValueError(
            f"voice profile version {profile.get('version')!r} is not supported "
            f"(this build reads version {PROFILE_VERSION}); clone the voice again"
        )
    mcep = profile.get("mcep", {})
    for key in ("target_mean", "target_std", "source_mean", "source_std"):
        if len(mcep.get(key, [])) != MCEP_DIMS:
            raise ValueError(f"voice profile field mcep.{key} must have {MCEP_DIMS} values")


def convert(frames: Frames, profile: dict[str, Any]) -> Audio:
    """Map source-speaker WORLD frames onto the profile's speaker and resynthesise."""
    validate_profile(profile)
    if frames.ap.shape[0] != frames.f0.shape[0]:
        raise ValueError("frames analysed for statistics cannot be resynthesised")
    fs = frames.sample_rate
    stats = profile["f0"]
    f0 = frames.f0.copy()
    v = frames.voiced
    # Spread ratio clamped: a monotone sample must not blow intonation up (or flatten it).
    spread = stats["target_log_std"] / max(stats["source_log_std"], 1e-3)
    spread = float(np.clip(spread, 0.5, 2.0))
    f0[v] = np.exp((np.log(f0[v]) - stats["source_log_mean"]) * spread + stats["target_log_mean"])

    m = profile["mcep"]
    c = _mcep(warp_envelope(frames.sp, float(profile["formant_warp"])), fs)
    ratio = np.asarray(m["target_std"]) / np.maximum(np.asarray(m["source_std"]), 1e-6)
    c = (c - np.asarray(m["source_mean"])) * np.clip(ratio, 0.5, 2.0) + np.asarray(m["target_mean"])
    fft_size = pyworld.get_cheaptrick_fft_size(fs)
    sp = pyworld.decode_spectral_envelope(np.ascontiguousarray(c), fs, fft_size)
    y = pyworld.synthesize(f0, sp, frames.ap, fs, FRAME_PERIOD_MS)
    peak = float(np.max(np.abs(y), initial=0.0)) or 1.0
    return Audio(samples=(y / peak * 0.89).astype(np.float32), sample_rate=fs)
