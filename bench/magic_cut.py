"""Magic Cut speed in × real time: speech (silero-vad ONNX + silencedetect) and scenes (scdet,
HistogramDetector) on generated media: espeak-ng sentences with pauses, and 1920x1080 30 fps
video with hard cuts and one dissolve. Run: .venv/bin/python bench/magic_cut.py [--seconds 30]
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from fractions import Fraction
from pathlib import Path

from flowai.editor.magic_cut import find_scenes, find_speech
from flowai.editor.media import ffmpeg_exe, probe

SENTENCES = ["The quick brown fox jumps over the lazy dog.", "Editing video should be fast.",
             "Silence is removed, padding is kept.", "Every cut lands on a frame."]  # fmt: skip


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


def make_scenes(d: Path, seconds: int) -> Path:
    shot = max(2, seconds // 6)
    srcs = ["testsrc2", "smptehdbars", "testsrc", "rgbtestsrc", "smptebars", "yuvtestsrc"]
    inputs: list[str] = []
    for src in srcs:
        inputs += ["-f", "lavfi", "-i", f"{src}=s=1920x1080:r=30:d={shot + 1}"]
    graph = ";".join(f"[{i}:v]format=yuv420p,setsar=1,settb=1/30[s{i}]" for i in range(len(srcs)))
    graph += ";[s0][s1]xfade=transition=fade:duration=1:offset=" + str(shot) + "[x]"
    graph += ";[x]" + "".join(f"[s{i}]" for i in range(2, len(srcs))) + f"concat=n={len(srcs) - 1}:v=1[v]"
    out = d / "scenes.mp4"
    subprocess.run([ffmpeg_exe(), "-loglevel", "error", "-y", *inputs, "-filter_complex", graph,
                    "-map", "[v]", "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", str(out)],
                   check=True)  # fmt: skip
    return out


def timed(fn: object) -> float:
    t0 = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        speech, scenes = make_speech(d, args.seconds), make_scenes(d, args.seconds)
        s_len, v_info = float(probe(speech).duration), probe(scenes)
        v_len, fps = float(v_info.duration), Fraction(v_info.fps)
        find_speech(speech)  # load the ONNX model once, as a long-running worker would
        rows = [
            ("speech (silero-vad + silencedetect)", s_len, timed(lambda: find_speech(speech))),
            ("scenes: scdet on a 320-px decode", v_len, timed(lambda: find_scenes(scenes, fps, "scdet"))),
            ("scenes: HistogramDetector", v_len, timed(lambda: find_scenes(scenes, fps, "histogram"))),
        ]
    print(f"{'detector':40s} {'media s':>8s} {'wall s':>8s} {'x real time':>12s}")
    for name, media_s, wall in rows:
        print(f"{name:40s} {media_s:8.1f} {wall:8.2f} {media_s / wall:11.1f}x")


if __name__ == "__main__":
    main()
