"""Magic Cut speed in x real time, against the previous pipeline measured in the same run.

Media is generated: espeak-ng sentences with pauses, and 30 fps video with hard cuts and one
dissolve at 1280x720 and 1920x1080 (and the 1080p video with the speech as its soundtrack).

The baseline is the pipeline before issue 15, kept here verbatim: the audio decoded twice (16 kHz
samples for the VAD, then again for silencedetect), silero's per-window ONNX model called once
per 32 ms, and scdet on a full deblocked decode through a bicubic 320-px scale. The current one
(`flowai.editor.magic_cut`) decodes once, runs the batched model while FFmpeg decodes, and feeds
scdet a deblock-skipped, bilinear-scaled decode. Each figure is the best of --repeat runs; each
row also says whether both found the same speech ranges and cut frames.

Run: .venv/bin/python bench/magic_cut.py [--seconds 30] [--repeat 3] [--histogram]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime

from flowai.editor import magic_cut as mc
from flowai.editor.media import ffmpeg_exe, probe, run_ffmpeg

SENTENCES = ["The quick brown fox jumps over the lazy dog.", "Editing video should be fast.",
             "Silence is removed, padding is kept.", "Every cut lands on a frame."]  # fmt: skip


# --- media -----------------------------------------------------------------------------------------


def make_speech(d: Path, seconds: int) -> Path:
    parts = []
    for n in range(max(1, seconds // 4)):
        wav = d / f"s{n}.wav"
        subprocess.run(["espeak-ng", "-w", str(wav), SENTENCES[n % len(SENTENCES)]], check=True)
        parts.append(wav)
    listing = d / "speech.txt"
    silence = d / "pause.wav"
    subprocess.run([ffmpeg_exe(), "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "anullsrc=r=22050:cl=mono", "-t", "1.2", str(silence)], check=True)  # fmt: skip
    listing.write_text("".join(f"file '{p}'\nfile '{silence}'\n" for p in parts))
    out = d / "speech.wav"
    subprocess.run([ffmpeg_exe(), "-loglevel", "error", "-y", "-f", "concat", "-safe", "0", "-i",
                    str(listing), "-t", str(seconds), "-ar", "22050", str(out)], check=True)  # fmt: skip
    return out


def make_scenes(d: Path, seconds: int, size: str = "1920x1080", audio: Path | None = None) -> Path:
    shot = max(2, seconds // 6)
    srcs = ["testsrc2", "smptehdbars", "testsrc", "rgbtestsrc", "smptebars", "yuvtestsrc"]
    inputs: list[str] = []
    for src in srcs:
        inputs += ["-f", "lavfi", "-i", f"{src}=s={size}:r=30:d={shot + 1}"]
    graph = ";".join(f"[{i}:v]format=yuv420p,setsar=1,settb=1/30[s{i}]" for i in range(len(srcs)))
    graph += ";[s0][s1]xfade=transition=fade:duration=1:offset=" + str(shot) + "[x]"
    graph += ";[x]" + "".join(f"[s{i}]" for i in range(2, len(srcs))) + f"concat=n={len(srcs) - 1}:v=1[v]"
    sound = ["-i", str(audio), "-map", f"{len(srcs)}:a", "-c:a", "aac"] if audio else []
    out = d / f"scenes-{size}{'-speech' if audio else ''}.mp4"
    subprocess.run([ffmpeg_exe(), "-loglevel", "error", "-y", *inputs, *sound, "-filter_complex", graph,
                    "-map", "[v]", "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", str(out)],
                   check=True)  # fmt: skip
    return out


# --- the baseline: the pipeline before issue 15 ------------------------------------------------------


@cache
def _per_window_session() -> Any:
    spec = importlib.util.find_spec("silero_vad")
    assert spec is not None and spec.submodule_search_locations
    model = Path(next(iter(spec.submodule_search_locations))) / "data" / "silero_vad.onnx"
    opts = onnxruntime.SessionOptions()
    opts.inter_op_num_threads = opts.intra_op_num_threads = 1
    return onnxruntime.InferenceSession(str(model), sess_options=opts, providers=["CPUExecutionProvider"])


def baseline_probabilities(samples: np.ndarray) -> np.ndarray:
    session = _per_window_session()
    state = np.zeros((2, 1, 128), dtype=np.float32)
    context = np.zeros((1, 64), dtype=np.float32)
    sr = np.array(mc.VAD_RATE, dtype=np.int64)
    probs = np.empty(len(samples) // 512, dtype=np.float32)
    for i in range(len(probs)):
        x = np.concatenate([context, samples[i * 512 : (i + 1) * 512].reshape(1, -1)], axis=1)
        out, state = session.run(None, {"input": x, "state": state, "sr": sr})
        probs[i] = float(out[0][0])
        context = x[:, -64:]
    return probs


def baseline_speech(path: Path, params: mc.SpeechParams | None = None) -> tuple[list[mc.Range], float]:
    params = params or mc.SpeechParams()
    samples = mc.load_audio(path)  # decode 1
    duration = len(samples) / mc.VAD_RATE
    raw = mc.vad_speech(baseline_probabilities(samples), params)
    silences = mc.detect_silences(path, noise_db=params.noise_db, min_silence=min(0.1, params.min_silence))
    return mc.pad_and_merge(mc.refine(raw, silences, params.snap), params.padding, duration), duration


def baseline_scdet(path: Path, fps: Fraction, threshold: float = 6.0) -> list[int]:
    proc = run_ffmpeg(["-i", str(path), "-an", "-vf",
                       f"scale=320:-2,scdet=threshold={threshold},metadata=print:file=-", "-f", "null", "-"])  # fmt: skip
    times = re.findall(r"lavfi\.scd\.time=([\d.]+)", proc.stdout.decode(errors="replace"))
    return sorted({round(Fraction(t) * fps) for t in times})


def baseline_analyse(path: Path) -> tuple[list[mc.Range], list[int]]:
    info = probe(path)
    return baseline_speech(path)[0], baseline_scdet(path, info.fps)


def current_analyse(path: Path) -> tuple[list[mc.Range], list[int]]:
    result = mc.analyse(path)
    return result.speech, result.scenes


# --- timing ------------------------------------------------------------------------------------------


def best(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--histogram", action="store_true", help="also time PySceneDetect's detector")
    args = parser.parse_args()
    rows: list[tuple[str, float, float, float, bool]] = []
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        speech = make_speech(d, args.seconds)
        v720, v1080 = make_scenes(d, args.seconds, "1280x720"), make_scenes(d, args.seconds, "1920x1080")
        both = make_scenes(d, args.seconds, "1920x1080", audio=speech)
        mc.find_speech(speech), baseline_speech(speech)  # load both ONNX models, as a worker would
        cases: list[tuple[str, Path, Callable[[], object], Callable[[], object]]] = [
            ("speech (VAD + silencedetect)", speech, lambda: baseline_speech(speech), lambda: mc.find_speech(speech)),
        ]  # fmt: skip
        for name, path in (("720p", v720), ("1080p", v1080)):
            fps = probe(path).fps
            cases.append((f"scenes, scdet, {name}", path, lambda p=path, f=fps: baseline_scdet(p, f),
                          lambda p=path, f=fps: mc.find_scenes(p, f, "scdet")))  # fmt: skip
        cases.append(
            (
                "analyse: speech + scdet, 1080p",
                both,
                lambda: baseline_analyse(both),
                lambda: current_analyse(both),
            )
        )
        for name, path, old, new in cases:
            media_s = float(probe(path).duration)
            t_old, r_old = best(old, args.repeat)
            t_new, r_new = best(new, args.repeat)
            rows.append((name, media_s, t_old, t_new, r_old == r_new))
        if args.histogram:
            fps = probe(v1080).fps
            t_h, _ = best(lambda: mc.find_scenes(v1080, fps, "histogram"), 1)
            rows.append(("scenes, HistogramDetector, 1080p", float(probe(v1080).duration), t_h, t_h, True))
    print(f"load average before/after: {load_before} / {os.getloadavg()[0]:.2f} (2 cores)")
    print(f"{'figure':34s} {'media s':>7s} {'before s':>9s} {'x rt':>7s} {'now s':>7s} {'x rt':>7s} "
          f"{'speed-up':>8s}  same result")  # fmt: skip
    for name, media_s, t_old, t_new, same in rows:
        print(f"{name:34s} {media_s:7.1f} {t_old:9.2f} {media_s / t_old:6.1f}x {t_new:7.2f} "
              f"{media_s / t_new:6.1f}x {t_old / t_new:7.2f}x  {'yes' if same else 'NO'}")  # fmt: skip


load_before = f"{os.getloadavg()[0]:.2f}"

if __name__ == "__main__":
    main()
