"""CPU seconds per output second: a timeline export vs a plain re-encode (the floor) vs MoviePy.

All three in one run on the same generated 1280x720 30 fps media and the same encoder settings
(libx264 preset medium, CRF 21, AAC 192k): the timeline has trims, a crossfade, a text overlay,
an image overlay and a music track. CPU time counts this process and its FFmpeg children.
Run: .venv/bin/python bench/render.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

from flowai.editor.media import ffmpeg_exe, probe
from flowai.editor.render import render
from flowai.editor.timeline import StaticAssets, load_timeline, validate_timeline

W, H, FPS = 1280, 720, 30


def cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def measure(fn: Callable[[], object]) -> tuple[float, float]:
    c0, t0 = cpu(), time.perf_counter()
    fn()
    return cpu() - c0, time.perf_counter() - t0


def make_sources(d: Path, seconds: int) -> dict[str, Path]:
    out = {}
    for name, src, tone in (("a", "testsrc2", 440), ("b", "smptehdbars", 660)):
        path = d / f"{name}.mp4"
        subprocess.run(
            [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
             "-f", "lavfi", "-i", f"{src}=s={W}x{H}:r={FPS}:d={seconds}",
             "-f", "lavfi", "-i", f"sine=f={tone}:r=48000:d={seconds}",
             "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p",
             "-c:a", "aac", str(path)], check=True)  # fmt: skip
        out[name] = path
    music = d / "music.wav"
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
                    "-i", f"sine=f=220:r=48000:d={seconds}", str(music)], check=True)  # fmt: skip
    logo = d / "logo.png"
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
                    "-i", "color=c=red:s=160x90", "-frames:v", "1", str(logo)], check=True)  # fmt: skip
    return {**out, "music": music, "logo": logo}


def timeline(seconds: int) -> dict[str, object]:
    n = seconds * FPS
    half, xf = n // 2, 15
    return {
        "canvas": {"width": W, "height": H, "fps": str(FPS)},
        "video_tracks": [{"id": "v", "clips": [
            {"id": "c1", "asset_id": "a", "source_in": 0, "source_out": half + xf, "start": 0},
            {"id": "c2", "asset_id": "b", "source_in": 0, "source_out": n - half, "start": half},
        ], "transitions": [{"from_clip": "c1", "to_clip": "c2", "length": xf}]}],
        "audio_tracks": [{"id": "m", "clips": [
            {"id": "mu", "asset_id": "music", "source_in": 0, "start": 0, "length": n, "volume": 0.3}]}],
        "overlays": [
            {"type": "text", "id": "t", "text": "FlowAI", "size": 64, "start": 0, "length": n, "box": True},
            {"type": "image", "id": "i", "asset_id": "logo", "x": 40, "y": 40, "start": 0, "length": n},
        ],
    }  # fmt: skip


def plain(src: Path, out: Path, seconds: int) -> None:
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(src), "-t", str(seconds),
         "-c:v", "libx264", "-profile:v", "high", "-preset", "medium", "-crf", "21", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-movflags", "+faststart", str(out)], check=True)  # fmt: skip


def moviepy(src: dict[str, Path], out: Path, seconds: int) -> None:
    from moviepy import (
        AudioFileClip,
        CompositeAudioClip,
        CompositeVideoClip,
        ImageClip,
        TextClip,
        VideoFileClip,  # fmt: skip
        vfx,
    )

    half, xf = seconds / 2, 0.5
    a = VideoFileClip(str(src["a"])).subclipped(0, half + xf)
    b = (
        VideoFileClip(str(src["b"]))
        .subclipped(0, seconds - half)
        .with_start(half)
        .with_effects([vfx.CrossFadeIn(xf)])
    )
    text = (
        TextClip(
            font="/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
            text="FlowAI",
            font_size=64,
            color="white",
            bg_color="black",
        )
        .with_duration(seconds)
        .with_position("center")
    )
    logo = ImageClip(str(src["logo"])).with_duration(seconds).with_position((40, 40))
    video = CompositeVideoClip([a, b, text, logo], size=(W, H)).with_duration(seconds)
    music = AudioFileClip(str(src["music"])).with_volume_scaled(0.3)
    audio = CompositeAudioClip(
        [c for c in (a.audio, b.audio.with_start(half) if b.audio else None, music) if c]
    )
    video.with_audio(audio).write_videofile(
        str(out), fps=FPS, codec="libx264", preset="medium", ffmpeg_params=["-crf", "21", "-profile:v", "high"],
        audio_codec="aac", audio_bitrate="192k", audio_fps=48000, logger=None)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    s = args.seconds
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        src = make_sources(d, s)
        assets = StaticAssets({k: probe(p).asset("bench") for k, p in src.items()})
        checked = validate_timeline(load_timeline(timeline(s)), tenant_id="bench", assets=assets)
        runs = {
            "plain re-encode (floor)": measure(lambda: plain(src["a"], d / "plain.mp4", s)),
            "timeline export (one FFmpeg graph)": measure(
                lambda: render(checked, d / "graph.mp4", preset="720p", quality="standard")
            ),
            "MoviePy, same timeline": measure(lambda: moviepy(src, d / "moviepy.mp4", s)),
        }
        out_s = float(Fraction(checked.duration, FPS))
    floor = runs["plain re-encode (floor)"][0] / out_s
    print(f"{W}x{H} {FPS} fps, {out_s:.1f} s of output, libx264 medium CRF 21 + AAC 192k")
    print(f"{'':38s} {'CPU s/out s':>12s} {'wall s':>8s} {'vs floor':>9s}")
    for name, (c, wall) in runs.items():
        print(f"{name:38s} {c / out_s:12.3f} {wall:8.2f} {c / out_s / floor:8.2f}x")
    graph = runs["timeline export (one FFmpeg graph)"][0]
    print(f"MoviePy / graph: {runs['MoviePy, same timeline'][0] / graph:.2f}x")


if __name__ == "__main__":
    main()
