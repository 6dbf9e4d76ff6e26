"""Magic Cut: find speech, silences and scene changes in a media file, and cut a timeline to them.

One FFmpeg process decodes the file once and feeds every detector from that decode: the audio
goes through ``silencedetect`` (on the file's own samples) and is then resampled to 16 kHz mono
and piped out to silero-vad's ONNX model (`flowai.core.vad`, batched, no torch), which runs while
FFmpeg is still decoding; the video, decoded without deblocking, goes through a 320-px-wide
bilinear downscale into ``scdet`` (every frame is decoded: no keyframe skipping, so cuts stay
frame exact). Silero's 32 ms windows are coarse, so each speech boundary is then snapped to the
nearest edge that silencedetect measured. PySceneDetect's HistogramDetector is the slower
alternative that also catches dissolves.
"""

from __future__ import annotations

import re
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import numpy as np

from flowai.core.vad import BLOCK_FRAMES, FRAME, VAD_RATE, VadStream
from flowai.core.vad import speech_probabilities as core_speech_probabilities
from flowai.editor.media import FFmpegError, ffmpeg_exe, probe, run_ffmpeg
from flowai.editor.timeline import (
    CheckedTimeline,
    Timeline,
    VideoClip,
    video_clip_length,
)

VAD_WINDOW = FRAME
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


# --- one decode, every detector ------------------------------------------------------------------

SCDET_THRESHOLD = 6.0
SCDET_DECODE = ["-skip_loop_filter", "all"]
"""The reduced decode scdet reads: every frame is decoded (so cuts stay frame exact) but H.264/HEVC
deblocking is skipped (the downscale below would blur most of it away anyway)."""
SCDET_SCALE = "scale=320:-2:flags=bilinear"
"""scdet's input: 320 px wide (1/36 of a 1080p frame). Bilinear downscaling still low-passes
(fast_bilinear does not: on grainy footage its aliasing scored a false cut at 20) and costs about
half of bicubic. With the skipped deblocking, scores stayed within 0.5 of bicubic's on a normal
decode, with the same cuts, on generated grainy footage (noise, a fractal, cellular automata) and
on the test patterns of bench/magic_cut.py."""
_READ = BLOCK_FRAMES * FRAME * 4  # bytes of f32 samples per VAD block (~16 s)
_SILENCE = re.compile(r"silence_(start|end): (-?[\d.]+)")
_SCD_TIME = re.compile(r"lavfi\.scd\.time=([\d.]+)")


@dataclass(frozen=True)
class Decoded:
    """What one decode of a file measured."""

    probs: np.ndarray
    """Silero speech probability per whole 32 ms window of the 16 kHz mono audio."""
    samples: int
    """Samples of that audio (its duration times 16 000)."""
    silences: list[Range]
    """silencedetect's silences, seconds."""
    cut_times: list[str]
    """scdet's cut times, seconds as FFmpeg printed them."""


def _parse_silences(log: str) -> list[Range]:
    out: list[Range] = []
    start: float | None = None
    for kind, value in _SILENCE.findall(log):
        if kind == "start":
            start = max(0.0, float(value))
        elif start is not None:
            out.append((start, float(value)))
            start = None
    if start is not None:
        out.append((start, float("inf")))
    return out


def decode(path: Path, *, speech: SpeechParams | None, scdet_threshold: float | None) -> Decoded:
    """Decode `path` once, feeding every detector asked for: speech probabilities and silences
    of its first audio stream (when `speech` is given), scdet's cuts of its first video stream
    (when `scdet_threshold` is)."""
    graph: list[str] = []
    outputs: list[str] = []
    if speech is not None:
        min_silence = min(0.1, speech.min_silence)
        graph.append(
            f"[0:a:0]silencedetect=noise={speech.noise_db}dB:d={min_silence},"
            f"aresample={VAD_RATE},aformat=sample_fmts=flt:channel_layouts=mono[a]"
        )
        outputs += ["-map", "[a]", "-f", "f32le", "pipe:1"]
    if scdet_threshold is not None:
        graph.append(
            f"[0:v:0]{SCDET_SCALE},scdet=threshold={scdet_threshold},metadata=print:key=lavfi.scd.time[v]"
        )
        outputs += ["-map", "[v]", "-f", "null", "-"]
    reduced = SCDET_DECODE if scdet_threshold is not None else []
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info", *reduced,
           "-i", str(path), "-filter_complex", ";".join(graph), *outputs]  # fmt: skip
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = proc.stdout, proc.stderr
    assert stdout is not None and stderr is not None
    log: list[bytes] = []
    drain = threading.Thread(target=lambda: log.append(stderr.read()), daemon=True)
    drain.start()
    vad = VadStream()
    samples = 0
    try:
        while chunk := stdout.read(_READ):  # the model runs on each block while FFmpeg decodes on
            pcm = np.frombuffer(chunk, dtype="<f4", count=len(chunk) // 4)
            samples += pcm.size
            vad.feed(pcm)
    except BaseException:
        proc.kill()  # it would block on a full pipe nobody reads
        raise
    finally:
        code = proc.wait()
        drain.join()
        stdout.close()
        stderr.close()
    text = b"".join(log).decode(errors="replace")
    if code != 0:
        raise FFmpegError(f"ffmpeg exited with {code}", text[-4000:])
    return Decoded(vad.finish(), samples, _parse_silences(text), _SCD_TIME.findall(text))


# --- audio -------------------------------------------------------------------------------------


def load_audio(path: Path) -> np.ndarray:
    """Mono 16 kHz float32 samples of a file's first audio stream."""
    proc = run_ffmpeg(["-i", str(path), "-vn", "-ac", "1", "-ar", str(VAD_RATE), "-f", "f32le", "-"])
    return np.frombuffer(proc.stdout, dtype="<f4").copy()


def speech_probabilities(samples: np.ndarray) -> np.ndarray:
    """Silero's speech probability for every whole 512-sample (32 ms) window."""
    return core_speech_probabilities(samples)


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


def detect_silences(path: Path, *, noise_db: float, min_silence: float) -> list[Range]:
    """Silences FFmpeg's silencedetect finds (seconds)."""
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path), "-vn", "-af",
         f"silencedetect=noise={noise_db}dB:d={min_silence}", "-f", "null", "-"],
        capture_output=True, check=True,
    )  # fmt: skip
    return _parse_silences(proc.stderr.decode(errors="replace"))


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


def speech_from(decoded: Decoded, params: SpeechParams) -> tuple[list[Range], float]:
    """Speech ranges (padding included) and the audio's duration from one decode."""
    duration = decoded.samples / VAD_RATE
    speech = refine(vad_speech(decoded.probs, params), decoded.silences, params.snap)
    return pad_and_merge(speech, params.padding, duration), duration


def find_speech(path: Path, params: SpeechParams | None = None) -> tuple[list[Range], float]:
    """Speech ranges (padding included) and the audio's duration in seconds."""
    params = params or SpeechParams()
    return speech_from(decode(path, speech=params, scdet_threshold=None), params)


# --- scenes --------------------------------------------------------------------------------------


def cut_frames(cut_times: Sequence[str], fps: Fraction) -> list[int]:
    """scdet's cut times as frame numbers at `fps`."""
    return sorted({round(Fraction(t) * fps) for t in cut_times})


def scenes_scdet(path: Path, fps: Fraction, *, threshold: float = SCDET_THRESHOLD) -> list[int]:
    """Frames where a hard cut starts, from FFmpeg scdet on a 320-px-wide decode."""
    return cut_frames(decode(path, speech=None, scdet_threshold=threshold).cut_times, fps)


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
    """Speech, silences and scenes of one file (what `flowai magic-cut` prints), from one decode
    (the histogram detector decodes the video again on its own)."""
    info = probe(path)
    params = params or SpeechParams()
    video = info.kind == "video" and detector is not None
    scdet = video and detector == "scdet"
    speech: list[Range] = []
    duration = float(info.duration)
    scenes: list[int] = []
    if info.has_audio or scdet:
        decoded = decode(path, speech=params if info.has_audio else None,
                         scdet_threshold=SCDET_THRESHOLD if scdet else None)  # fmt: skip
        if info.has_audio:
            speech, duration = speech_from(decoded, params)
        if scdet:
            scenes = cut_frames(decoded.cut_times, info.fps)
    if video and not scdet:
        scenes = scenes_histogram(path)
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
