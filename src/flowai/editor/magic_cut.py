"""Magic Cut: find speech, silences and scene changes in a media file, and cut a timeline to them.

Speech comes from silero-vad's bundled ONNX model run through onnxruntime (no torch); its
32 ms windows are coarse, so each boundary is then snapped to the nearest edge that FFmpeg's
``silencedetect`` measured on the waveform. Scenes come from FFmpeg ``scdet`` on a 320-px-wide
decode (fast, hard cuts only) or PySceneDetect's HistogramDetector (also catches dissolves).
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import onnxruntime

from flowai.editor.media import ffmpeg_exe, probe, run_ffmpeg
from flowai.editor.timeline import (
    CheckedTimeline,
    Timeline,
    VideoClip,
    video_clip_length,
)

VAD_RATE = 16_000
VAD_WINDOW = 512
VAD_CONTEXT = 64
SceneDetector = Literal["scdet", "histogram"]
Range = tuple[float, float]


@dataclass(frozen=True)
class SpeechParams:
    """How speech and silence are told apart."""

    threshold: float = 0.5
    """Silero speech probability above which a window is speech."""
    min_silence: float = 0.3
    """Seconds; shorter pauses stay inside speech."""
    padding: float = 0.1
    """Seconds of sound kept before and after each speech range."""
    noise_db: float = -35.0
    """silencedetect's noise floor used to refine boundaries."""
    snap: float = 0.25
    """Seconds within which a VAD boundary moves to a silencedetect edge."""


@dataclass(frozen=True)
class MagicCut:
    """Result of analysing one file; times in seconds, scenes in frames at `fps`."""

    speech: list[Range]
    silences: list[Range]
    scenes: list[int]
    fps: Fraction
    duration: float

    def as_json(self) -> dict[str, Any]:
        return {
            "speech": [[round(s, 3), round(e, 3)] for s, e in self.speech],
            "silences": [[round(s, 3), round(e, 3)] for s, e in self.silences],
            "scenes": self.scenes,
            "fps": f"{self.fps.numerator}/{self.fps.denominator}",
        }


# --- audio -------------------------------------------------------------------------------------


def load_audio(path: Path) -> np.ndarray:
    """Mono 16 kHz float32 samples of a file's first audio stream."""
    proc = run_ffmpeg(["-i", str(path), "-vn", "-ac", "1", "-ar", str(VAD_RATE), "-f", "f32le", "-"])
    return np.frombuffer(proc.stdout, dtype="<f4").copy()


def silero_model_path() -> Path:
    """The ONNX model inside the silero-vad wheel (its Python package imports torch, so it is
    located without importing it)."""
    spec = importlib.util.find_spec("silero_vad")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("silero-vad is not installed (pip install --no-deps silero-vad)")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "silero_vad.onnx"


@cache
def _session() -> onnxruntime.InferenceSession:
    opts = onnxruntime.SessionOptions()
    opts.inter_op_num_threads = 1
    opts.intra_op_num_threads = 1
    return onnxruntime.InferenceSession(
        str(silero_model_path()), sess_options=opts, providers=["CPUExecutionProvider"]
    )


def speech_probabilities(samples: np.ndarray) -> np.ndarray:
    """Silero's speech probability for every 512-sample (32 ms) window."""
    session = _session()
    state = np.zeros((2, 1, 128), dtype=np.float32)
    context = np.zeros((1, VAD_CONTEXT), dtype=np.float32)
    sr = np.array(VAD_RATE, dtype=np.int64)
    count = len(samples) // VAD_WINDOW
    probs = np.empty(count, dtype=np.float32)
    for i in range(count):
        chunk = samples[i * VAD_WINDOW : (i + 1) * VAD_WINDOW].reshape(1, -1).astype(np.float32)
        x = np.concatenate([context, chunk], axis=1)
        out, state = session.run(None, {"input": x, "state": state, "sr": sr})
        probs[i] = float(out[0][0])
        context = x[:, -VAD_CONTEXT:]
    return probs


def vad_speech(probs: np.ndarray, params: SpeechParams) -> list[Range]:
    """Speech ranges from window probabilities, with hysteresis and pauses < min_silence kept."""
    step = VAD_WINDOW / VAD_RATE
    ranges: list[list[float]] = []
    on = False
    for i, p in enumerate(probs):
        if not on and p >= params.threshold:
            on = True
            ranges.append([i * step, i * step])
        elif on and p < params.threshold - 0.15:
            on = False
        if on:
            ranges[-1][1] = (i + 1) * step
    merged: list[list[float]] = []
    for r in ranges:
        if merged and r[0] - merged[-1][1] < params.min_silence:
            merged[-1][1] = r[1]
        else:
            merged.append(r)
    return [(s, e) for s, e in merged if e - s >= 0.1]


_SILENCE = re.compile(r"silence_(start|end): (-?[\d.]+)")


def detect_silences(path: Path, *, noise_db: float, min_silence: float) -> list[Range]:
    """Silences FFmpeg's silencedetect finds (seconds)."""
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path), "-vn", "-af",
         f"silencedetect=noise={noise_db}dB:d={min_silence}", "-f", "null", "-"],
        capture_output=True, check=True,
    )  # fmt: skip
    out: list[Range] = []
    start: float | None = None
    for kind, value in _SILENCE.findall(proc.stderr.decode(errors="replace")):
        if kind == "start":
            start = max(0.0, float(value))
        elif start is not None:
            out.append((start, float(value)))
            start = None
    if start is not None:
        out.append((start, float("inf")))
    return out


def refine(speech: list[Range], silences: list[Range], snap: float) -> list[Range]:
    """Move each speech boundary to the nearest silencedetect edge within `snap` seconds."""
    starts = [e for _, e in silences]  # speech starts where a silence ends
    ends = [s for s, _ in silences]

    def nearest(value: float, edges: list[float]) -> float:
        close = [e for e in edges if abs(e - value) <= snap and e != float("inf")]
        return min(close, key=lambda e: abs(e - value)) if close else value

    return [(nearest(s, starts), nearest(e, ends)) for s, e in speech]


def pad_and_merge(ranges: Sequence[Range], padding: float, duration: float) -> list[Range]:
    """Grow ranges by `padding` on both sides, clamp to the file, merge overlaps."""
    out: list[list[float]] = []
    for s, e in sorted(ranges):
        s, e = max(0.0, s - padding), min(duration, e + padding)
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def complement(ranges: Sequence[Range], duration: float) -> list[Range]:
    """The gaps between ranges inside [0, duration]."""
    gaps: list[Range] = []
    cursor = 0.0
    for s, e in ranges:
        if s > cursor:
            gaps.append((cursor, s))
        cursor = max(cursor, e)
    if cursor < duration:
        gaps.append((cursor, duration))
    return [(s, e) for s, e in gaps if e - s > 1e-3]


def find_speech(path: Path, params: SpeechParams | None = None) -> tuple[list[Range], float]:
    """Speech ranges (padding included) and the audio's duration in seconds."""
    params = params or SpeechParams()
    samples = load_audio(path)
    duration = len(samples) / VAD_RATE
    raw = vad_speech(speech_probabilities(samples), params)
    silences = detect_silences(path, noise_db=params.noise_db, min_silence=min(0.1, params.min_silence))
    speech = refine(raw, silences, params.snap)
    return pad_and_merge(speech, params.padding, duration), duration


# --- scenes --------------------------------------------------------------------------------------

_SCD_TIME = re.compile(r"lavfi\.scd\.time=([\d.]+)")


def scenes_scdet(path: Path, fps: Fraction, *, threshold: float = 6.0) -> list[int]:
    """Frames where a hard cut starts, from FFmpeg scdet on a 320-px-wide decode."""
    proc = run_ffmpeg(
        ["-i", str(path), "-an", "-vf",
         f"scale=320:-2,scdet=threshold={threshold},metadata=print:file=-", "-f", "null", "-"]
    )  # fmt: skip
    times = _SCD_TIME.findall(proc.stdout.decode(errors="replace"))
    return sorted({round(Fraction(t) * fps) for t in times})


def scenes_histogram(path: Path, *, threshold: float = 0.05) -> list[int]:
    """Frames where a new scene starts, from PySceneDetect's HistogramDetector (dissolves too)."""
    from scenedetect import HistogramDetector, detect

    scenes = detect(str(path), HistogramDetector(threshold=threshold))
    return [int(start.frame_num) for start, _ in scenes[1:]]


def find_scenes(path: Path, fps: Fraction, detector: SceneDetector = "scdet") -> list[int]:
    """Scene starts in frames with the chosen detector."""
    if detector == "scdet":
        return scenes_scdet(path, fps)
    return scenes_histogram(path)


def analyse(
    path: Path,
    *,
    params: SpeechParams | None = None,
    detector: SceneDetector | None = "scdet",
) -> MagicCut:
    """Speech, silences and scenes of one file (what `flowai magic-cut` prints)."""
    info = probe(path)
    speech: list[Range] = []
    duration = float(info.duration)
    if info.has_audio:
        speech, duration = find_speech(path, params)
    scenes = find_scenes(path, info.fps, detector) if info.kind == "video" and detector else []
    return MagicCut(speech, complement(speech, duration), scenes, info.fps or Fraction(1), duration)


# --- applying a cut list ------------------------------------------------------------------------


def keep_ranges_frames(speech: Sequence[Range], fps: Fraction) -> list[tuple[int, int]]:
    """Seconds ranges as whole source frames [in, out): starts round down, ends round up so the
    padding is never shortened."""
    out: list[tuple[int, int]] = []
    for s, e in speech:
        a = int(Fraction(s) * fps)
        b = -int(-Fraction(e) * fps // 1)
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        elif b > a:
            out.append((a, b))
    return out


def apply_cuts(checked: CheckedTimeline, track_id: str, keep: dict[str, Sequence[Range]]) -> Timeline:
    """Ripple-delete what is not kept from the clips of one video track.

    `keep` maps an asset id to the source ranges (seconds, padding included) to keep, e.g. the
    `speech` of `analyse`. Each clip of that asset becomes one clip per kept piece, laid end to
    end; later clips on the track move left by what was removed. Clips in transitions, other
    tracks and overlays are left as they are.
    """
    tl = checked.timeline
    canvas = tl.canvas.fps
    tracks = []
    for track in tl.video_tracks:
        if track.id != track_id:
            tracks.append(track)
            continue
        in_transition = {t.from_clip for t in track.transitions} | {t.to_clip for t in track.transitions}
        shift = 0
        clips: list[VideoClip] = []
        for clip in sorted(track.clips, key=lambda c: checked.spans[c.id].start):
            span = checked.spans[clip.id]
            info = checked.asset(clip.asset_id)
            if clip.asset_id not in keep or clip.id in in_transition:
                clips.append(clip.model_copy(update={"start": span.start - shift}))
                continue
            cursor = span.start - shift
            pieces = [
                (max(a, clip.source_in), min(b, clip.source_out))
                for a, b in keep_ranges_frames(keep[clip.asset_id], info.fps)
                if b > clip.source_in and a < clip.source_out
            ]
            for n, (a, b) in enumerate(pieces):
                piece = clip.model_copy(
                    update={
                        "id": f"{clip.id}.{n}",
                        "source_in": a,
                        "source_out": b,
                        "start": cursor,
                        "fade_in": 0,
                        "fade_out": 0,
                    }  # fmt: skip
                )
                length = video_clip_length(piece, info.fps, canvas)
                clips.append(piece)
                cursor += length
            shift += (span.end - span.start) - (cursor - (span.start - shift))
        tracks.append(track.model_copy(update={"clips": clips}))
    return tl.model_copy(update={"video_tracks": tracks})
