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
#: Statistics need no 5 ms resolution: means and spreads over 10 ms frames come out the same
#: to three decimals, for half the analysis.
STATS_FRAME_PERIOD_MS = 10.0
MCEP_DIMS = 40

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Frames:
    """WORLD parameters: F0 per frame (0 = unvoiced), spectral envelope, aperiodicity."""

    f0: F64
    sp: F64
    ap: F64
    sample_rate: int
    frame_period_ms: float = FRAME_PERIOD_MS

    @property
    def voiced(self) -> npt.NDArray[np.bool_]:
        return self.f0 > 0


#: Frames per call into WORLD's per-frame analyses. pyworld holds the GIL while it works: one
#: call over a 90 s sample held it for seconds on a busy machine, long enough to starve the job's
#: lease heartbeat (and the API threads) of the same process. The analyses are frame by frame, so
#: the chunks add up to exactly the whole.
CHUNK_FRAMES = 400


def _per_frames(fn: Any, x: F64, f0: F64, t: F64, sample_rate: int) -> F64:
    parts = [
        fn(
            x,
            np.ascontiguousarray(f0[i : i + CHUNK_FRAMES]),
            np.ascontiguousarray(t[i : i + CHUNK_FRAMES]),
            sample_rate,
        )
        for i in range(0, f0.size, CHUNK_FRAMES)
    ]
    return np.concatenate(parts) if parts else np.zeros(0)


def analyse(audio: Audio, sample_rate: int, *, for_statistics: bool = False) -> Frames:
    """DIO + StoneMask F0, CheapTrick envelope, D4C aperiodicity.

    ``for_statistics``: 10 ms frames, a coarser DIO pass, StoneMask and CheapTrick on the voiced
    frames only (the statistics read nothing else, and both work frame by frame) and no
    aperiodicity: several times faster. Frames analysed so hold only voiced frames and cannot
    be resynthesised.
    """
    x = resample(audio, sample_rate).samples.astype(np.float64)
    if for_statistics:
        f0, t = pyworld.dio(x, sample_rate, frame_period=STATS_FRAME_PERIOD_MS, speed=4)
        voiced = f0 > 0
        f0, t = f0[voiced], t[voiced]
        f0 = _per_frames(pyworld.stonemask, x, f0, t, sample_rate)
        kept = f0 > 0
        f0, t = np.ascontiguousarray(f0[kept]), np.ascontiguousarray(t[kept])
        sp = _per_frames(pyworld.cheaptrick, x, f0, t, sample_rate) if f0.size else np.zeros((0, 1))
        ap = np.zeros((0, sp.shape[1]))
        return Frames(f0=f0, sp=sp, ap=ap, sample_rate=sample_rate, frame_period_ms=STATS_FRAME_PERIOD_MS)
    f0, t = pyworld.dio(x, sample_rate, frame_period=FRAME_PERIOD_MS)
    f0 = _per_frames(pyworld.stonemask, x, f0, t, sample_rate)
    sp = _per_frames(pyworld.cheaptrick, x, f0, t, sample_rate)
    ap = _per_frames(pyworld.d4c, x, f0, t, sample_rate)
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
    voiced_s = float(frames.voiced.sum()) * frames.frame_period_ms / 1000
    if voiced_s < 1.0:
        raise ValueError("too little voiced speech to build a voice profile")
    lf0 = np.log(frames.f0[frames.voiced])
    sp = frames.sp[frames.voiced][::stride]
    c = _mcep(warp_envelope(sp, warp) if warp != 1.0 else np.ascontiguousarray(sp), frames.sample_rate)
    return SpeakerStats(
        log_f0_mean=float(lf0.mean()),
        log_f0_std=float(lf0.std()),
        mcep_mean=c.mean(axis=0),
        mcep_std=c.std(axis=0),
        voiced_s=voiced_s,
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
    y = pyworld.synthesize(f0, sp, frames.ap, fs, frames.frame_period_ms)
    peak = float(np.max(np.abs(y), initial=0.0)) or 1.0
    return Audio(samples=(y / peak * 0.89).astype(np.float32), sample_rate=fs)
