"""Export a timeline to MP4 with one FFmpeg filter graph.

Frame exactness comes from keeping every video stream on integer timestamps: each clip is put on
its asset's own time base with ``setpts=N+j`` (N = frames decoded, j = first source frame), then
``fps=...:round=up`` maps it onto the canvas rate so that timeline frame k shows source frame
floor(k * asset_fps / canvas_fps), and ``trim``/``setpts`` place it on the timeline in whole
frames. Audio is kept on sample counts the same way (``asetpts=N`` at 48 kHz, ``adelay=...S``).

A render may cover only a window of the timeline (the video of one segment, see segments.py):
the window changes which frames are produced, never how a frame is computed, so the frames of a
windowed render are the same as those of the whole render.
"""

from __future__ import annotations

import math
import os
import queue
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import IO, Literal

from flowai.editor.media import FFmpegError, ffmpeg_exe, seconds_arg
from flowai.editor.timeline import (
    FONTS,
    CheckedTimeline,
    ImageOverlay,
    Span,
    TextOverlay,
    Transition,
    VideoClip,
    VideoTrack,
    format_rate,
)

SAMPLE_RATE = 48_000
DEFAULT_FONTS_DIR = Path(os.environ.get("FLOWAI_FONTS_DIR", "/usr/share/fonts/truetype/dejavu"))

BT709 = "setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv"
ProgressCallback = Callable[[float, str], None]
"""Called with (percent 0-100, stage name)."""
CancelCheck = Callable[[], bool]
"""Returns True when the render should stop."""
Quality = Literal["draft", "standard", "high", "lossless"]
"""standard is the preset's CRF; draft is faster and smaller, high bigger; lossless is for tests and
segment joins that must be bit-exact."""
QUALITY_TUNING: dict[str, tuple[int, str | None]] = {
    "draft": (6, "veryfast"),
    "standard": (0, None),
    "high": (-3, "slow"),
}
"""CRF offset and x264 preset override per quality."""


@dataclass(frozen=True)
class Preset:
    """Output size (the canvas's short side becomes `short_side`) and encoder settings."""

    name: str
    short_side: int | None
    crf: int
    x264_preset: str = "medium"
    audio_bitrate: str = "192k"


PRESETS: dict[str, Preset] = {
    "720p": Preset("720p", 720, 21),
    "1080p": Preset("1080p", 1080, 20),
    "4k": Preset("4k", 2160, 20),
    "canvas": Preset("canvas", None, 20),
}
"""Export presets; "canvas" keeps the canvas size."""


class RenderCancelled(Exception):
    """The render was cancelled; FFmpeg was stopped and the partial file removed."""


class RenderError(RuntimeError):
    """The timeline could not be rendered (missing font, FFmpeg failure...)."""


@dataclass(frozen=True)
class RenderResult:
    """What a render produced."""

    path: Path
    frames: int
    width: int
    height: int
    fps: Fraction


def output_size(width: int, height: int, preset: Preset) -> tuple[int, int]:
    """Canvas size scaled so its short side matches the preset (even numbers for yuv420p)."""
    if preset.short_side is None:
        return width, height
    factor = Fraction(preset.short_side, min(width, height))
    return _even(width * factor), _even(height * factor)


def _even(value: Fraction | float) -> int:
    return max(2, 2 * round(Fraction(value) / 2))


def audio_sample(frame: int, fps: Fraction) -> int:
    """The 48 kHz sample where timeline frame `frame` starts (rounded down)."""
    return (frame * SAMPLE_RATE * fps.denominator) // fps.numerator


def _ffcolor(color: str) -> str:
    """ "#rrggbb[aa]" as FFmpeg's "0xrrggbb@alpha"."""
    rgb, alpha = color[1:7], color[7:9]
    return f"0x{rgb}" + (f"@{int(alpha, 16) / 255:.4f}" if alpha else "")


@dataclass
class _Graph:
    """Inputs and filter chains being assembled for one FFmpeg run."""

    workdir: Path
    inputs: list[list[str]] = field(default_factory=list)
    chains: list[str] = field(default_factory=list)
    labels: int = 0

    def add_input(self, *args: str) -> int:
        self.inputs.append(list(args))
        return len(self.inputs) - 1

    def label(self, prefix: str) -> str:
        self.labels += 1
        return f"{prefix}{self.labels}"

    def chain(self, source: str, filters: list[str], prefix: str = "s") -> str:
        out = self.label(prefix)
        self.chains.append(f"{source}{','.join(filters)}[{out}]")
        return f"[{out}]"


@dataclass(frozen=True)
class _Geometry:
    width: int
    height: int
    x: int
    y: int


class _Builder:
    """Turns a checked timeline into FFmpeg inputs and a filter graph."""

    def __init__(self, checked: CheckedTimeline, window: Span, workdir: Path, fonts_dir: Path) -> None:
        self.c = checked
        self.tl = checked.timeline
        self.fps = self.tl.canvas.fps
        self.width, self.height = self.tl.canvas.width, self.tl.canvas.height
        self.window = window
        self.g = _Graph(workdir)
        self.fonts_dir = fonts_dir
        self.tb = f"{self.fps.denominator}/{self.fps.numerator}"
        self.audio_parts: list[str] = []

    # -- video ------------------------------------------------------------------------------

    def video(self) -> str:
        s, e = self.window.start, self.window.end
        bg = _ffcolor(self.tl.canvas.background)
        size = f"{self.width}x{self.height}"
        cur = self.g.chain(
            "",
            [
                f"color=c={bg}:s={size}:r={format_rate(self.fps)}",
                f"trim=end_frame={e - s}",
                f"setpts=PTS+{s}",
                "format=yuv420p",
                BT709,
            ],
            "bg",
        )
        for track in self.tl.video_tracks:
            if track.hidden:
                continue
            for chain in _chains(track):
                cur = self.video_chain(cur, chain, track.transitions)
        for overlay in self.tl.overlays:
            is_text = isinstance(overlay, TextOverlay)
            cur = self.text(cur, overlay) if is_text else self.image(cur, overlay)  # type: ignore[arg-type]
        return self.captions(cur)

    def captions(self, base: str) -> str:
        """Burn the caption track in with libass (harfbuzz shaping, fribidi for right-to-left).

        Frames carry timeline pts at the canvas time base, so libass reads timeline time and a
        windowed render shows the same captions on the same frames as a whole one. Fonts missing
        a script's glyphs fall back through fontconfig (fonts-vlgothic for Japanese)."""
        track = self.tl.captions
        if track is None or track.hidden or not track.lines:
            return base
        from flowai.editor.captions import ass_document

        script = self.g.workdir / "captions.ass"
        script.write_text(ass_document(self.tl), encoding="utf-8")
        opts = f"ass=filename='{_escape(str(script))}':fontsdir='{_escape(str(self.fonts_dir))}'"
        return self.g.chain(base, [opts], "cc")

    def geometry(self, clip: VideoClip) -> _Geometry:
        info = self.c.asset(clip.asset_id)
        fit = min(Fraction(self.width, info.width), Fraction(self.height, info.height))
        factor = fit * Fraction(clip.scale)
        w, h = _even(info.width * factor), _even(info.height * factor)
        x = clip.x if clip.x is not None else (self.width - w) // 2
        y = clip.y if clip.y is not None else (self.height - h) // 2
        return _Geometry(w, h, x, y)

    def visible(self, span: Span) -> tuple[int, int] | None:
        """Clip-local frame range [k0, k1) of `span` inside the window, or None."""
        k0 = max(span.start, self.window.start) - span.start
        k1 = min(span.end, self.window.end) - span.start
        return (k0, k1) if k1 > k0 else None

    def clip_frames(self, clip: VideoClip, k0: int, k1: int, alpha: bool) -> str:
        """Frames k0..k1-1 of a clip, pts = clip-local timeline frame, at the clip's size."""
        info = self.c.asset(clip.asset_id)
        a, r = info.fps, self.fps
        j0 = math.floor(k0 * a / r)
        j1 = math.floor((k1 - 1) * a / r)
        n = j1 - j0 + 1
        first = Fraction(clip.source_in + j0) / a
        idx = self.g.add_input(
            "-ss", seconds_arg(first), "-t", seconds_arg(Fraction(n + 1) / a), "-i", str(info.path)
        )
        geo = self.geometry(clip)
        length = self.c.spans[clip.id].end - self.c.spans[clip.id].start
        filters = [
            f"trim=end_frame={n}",
            f"settb=expr={a.denominator}/{a.numerator}",
            f"setpts=N+{j0}",
            f"fps=fps={format_rate(r)}:round=up",
            f"tpad=stop_mode=clone:stop={math.ceil(r / a) + 1}",
            f"trim=start_pts={k0}:end_pts={k1}",
            # Every stream enters the overlays as BT.709 limited range: FFmpeg negotiates colour
            # properties per link, and a mismatch would insert conversions that depend on which
            # other items are in the graph (and so differ between a segment and a whole render).
            f"scale={geo.width}:{geo.height}:out_color_matrix=bt709:out_range=tv",
            "format=yuva420p" if alpha else "format=yuv420p",
            BT709,
        ]
        if clip.opacity < 1:
            filters.append(f"lutyuv=a=val*{clip.opacity:.6f}")
        if clip.fade_in:
            filters.append(self.fade("in", 0, clip.fade_in))
        if clip.fade_out:
            filters.append(self.fade("out", length - clip.fade_out, clip.fade_out))
        return self.g.chain(f"[{idx}:v]", filters, "v")

    def fade(self, kind: str, start: int, frames: int) -> str:
        st = seconds_arg(Fraction(start) / self.fps)
        d = seconds_arg(Fraction(frames) / self.fps)
        return f"fade=t={kind}:st={st}:d={d}:alpha=1"

    def needs_alpha(self, clip: VideoClip) -> bool:
        return clip.opacity < 1 or clip.fade_in > 0 or clip.fade_out > 0

    def video_chain(self, base: str, clips: list[VideoClip], transitions: list[Transition]) -> str:
        first = self.c.spans[clips[0].id]
        last = self.c.spans[clips[-1].id]
        if len(clips) == 1:
            seen = self.visible(first)
            if seen is None:
                return base
            clip = clips[0]
            geo = self.geometry(clip)
            stream = self.clip_frames(clip, seen[0], seen[1], self.needs_alpha(clip))
            placed = self.g.chain(stream, [f"setpts=PTS+{first.start}"], "p")
            return self.overlay(base, placed, geo.x, geo.y)
        whole = Span(first.start, last.end)
        seen = self.visible(whole)
        if seen is None:
            return base
        # A chain joined by transitions is built whole and cut to the window afterwards, so the
        # xfade offsets never depend on the window.
        geos = {self.geometry(c) for c in clips}
        uniform = len(geos) == 1
        alpha = not uniform or any(self.needs_alpha(c) for c in clips)
        by_pair = {(t.from_clip, t.to_clip): t for t in transitions}
        streams = []
        for clip in clips:
            span = self.c.spans[clip.id]
            stream = self.clip_frames(clip, 0, span.end - span.start, alpha)
            if not uniform:
                geo = self.geometry(clip)
                stream = self.g.chain(
                    stream,
                    [f"pad={self.width}:{self.height}:{geo.x}:{geo.y}:color=black@0"],
                    "pad",
                )
            streams.append(stream)
        cur, cur_len = streams[0], 0
        cur_len = first.end - first.start
        for prev, clip, stream in zip(clips, clips[1:], streams[1:], strict=False):
            tr = by_pair[(prev.id, clip.id)]
            kind = "fade" if tr.type == "crossfade" else "dissolve"
            offset = seconds_arg(Fraction(cur_len - tr.length) / self.fps)
            dur = seconds_arg(Fraction(tr.length) / self.fps)
            out = self.g.label("x")
            self.g.chains.append(
                f"{cur}{stream}xfade=transition={kind}:duration={dur}:offset={offset}[{out}]"
            )
            span = self.c.spans[clip.id]
            cur, cur_len = f"[{out}]", cur_len + (span.end - span.start) - tr.length
        placed = self.g.chain(
            cur, [f"trim=start_pts={seen[0]}:end_pts={seen[1]}", f"setpts=PTS+{whole.start}"], "p"
        )
        if uniform:
            geo = next(iter(geos))
            return self.overlay(base, placed, geo.x, geo.y)
        return self.overlay(base, placed, 0, 0)

    def overlay(self, base: str, top: str, x: int, y: int) -> str:
        out = self.g.label("o")
        self.g.chains.append(
            f"{base}{top}overlay=x={x}:y={y}:eof_action=pass:repeatlast=0:format=yuv420[{out}]"
        )
        return f"[{out}]"

    def text(self, base: str, item: TextOverlay) -> str:
        seen = self.visible(self.c.spans[item.id])
        if seen is None:
            return base
        font = self.fonts_dir / FONTS[item.font]
        if not font.is_file():
            raise RenderError(f"font file {font} is missing (install fonts-dejavu-core)")
        textfile = self.g.workdir / f"text-{item.id}.txt"
        textfile.write_text(item.text, encoding="utf-8")
        x = str(item.x) if item.x is not None else "(w-text_w)/2"
        y = str(item.y) if item.y is not None else "(h-text_h)/2"
        # `n` counts frames of this render, which starts at the window's first frame.
        first = item.start - self.window.start
        last = first + item.length - 1
        opts = [
            f"fontfile='{_escape(str(font))}'",
            f"textfile='{_escape(str(textfile))}'",
            "expansion=none",
            f"fontsize={item.size}",
            f"fontcolor={_ffcolor(item.color)}",
            f"x={x}",
            f"y={y}",
            f"enable='between(n\\,{first}\\,{last})'",
        ]
        if item.box:
            opts += ["box=1", f"boxcolor={_ffcolor(item.box_color)}", f"boxborderw={item.box_padding}"]
        return self.g.chain(base, ["drawtext=" + ":".join(opts)], "t")

    def image(self, base: str, item: ImageOverlay) -> str:
        span = self.c.spans[item.id]
        seen = self.visible(span)
        if seen is None:
            return base
        info = self.c.asset(item.asset_id)
        k0, k1 = seen
        idx = self.g.add_input(
            "-loop", "1", "-framerate", format_rate(self.fps), "-t",
            seconds_arg(Fraction(k1 - k0 + 1) / self.fps), "-i", str(info.path),
        )  # fmt: skip
        w = _even(info.width * Fraction(item.scale))
        h = _even(info.height * Fraction(item.scale))
        x = item.x if item.x is not None else (self.width - w) // 2
        y = item.y if item.y is not None else (self.height - h) // 2
        filters = [
            f"trim=end_frame={k1 - k0}",
            f"settb=expr={self.tb}",
            f"setpts=N+{k0}",
            "format=rgba",
            f"scale={w}:{h}:out_color_matrix=bt709:out_range=tv",
            "format=yuva420p",
            BT709,
        ]
        if item.opacity < 1:
            filters.append(f"lutyuv=a=val*{item.opacity:.6f}")
        if item.fade_in:
            filters.append(self.fade("in", 0, item.fade_in))
        if item.fade_out:
            filters.append(self.fade("out", item.length - item.fade_out, item.fade_out))
        filters.append(f"setpts=PTS+{span.start}")
        return self.overlay(base, self.g.chain(f"[{idx}:v]", filters, "i"), x, y)

    # -- audio ------------------------------------------------------------------------------

    def audio(self) -> str:
        total = audio_sample(self.c.duration, self.fps)
        for track in self.tl.video_tracks:
            if track.hidden:
                continue
            into = {t.to_clip: t.length for t in track.transitions}
            out_of = {t.from_clip: t.length for t in track.transitions}
            for clip in track.clips:
                info = self.c.asset(clip.asset_id)
                if not info.has_audio or clip.volume == 0:
                    continue
                span = self.c.spans[clip.id]
                self.audio_part(
                    path=str(info.path),
                    source_start=Fraction(clip.source_in) / info.fps,
                    span=span,
                    volume=clip.volume,
                    fade_in=max(clip.fade_in, into.get(clip.id, 0)),
                    fade_out=max(clip.fade_out, out_of.get(clip.id, 0)),
                )
        for atrack in self.tl.audio_tracks:
            if atrack.muted or atrack.volume == 0:
                continue
            for aclip in atrack.clips:
                if aclip.volume == 0:
                    continue
                self.audio_part(
                    path=str(self.c.asset(aclip.asset_id).path),
                    source_start=Fraction(aclip.source_in) / self.fps,
                    span=self.c.spans[aclip.id],
                    volume=aclip.volume * atrack.volume,
                    fade_in=aclip.fade_in,
                    fade_out=aclip.fade_out,
                )
        if not self.audio_parts:
            return self.g.chain("", [f"anullsrc=r={SAMPLE_RATE}:cl=stereo", f"atrim=end_sample={total}"], "a")
        mixed = self.g.label("mix")
        inputs = "".join(self.audio_parts)
        self.g.chains.append(
            f"{inputs}amix=inputs={len(self.audio_parts)}:normalize=0:duration=longest[{mixed}]"
        )
        return self.g.chain(
            f"[{mixed}]",
            [
                "alimiter=limit=0.98:level=0:latency=1",
                f"apad=whole_len={total}",
                f"atrim=end_sample={total}",
            ],
            "a",
        )

    def audio_part(
        self,
        *,
        path: str,
        source_start: Fraction,
        span: Span,
        volume: float,
        fade_in: int,
        fade_out: int,
    ) -> None:
        start = audio_sample(span.start, self.fps)
        samples = audio_sample(span.end, self.fps) - start
        seconds = Fraction(span.end - span.start + 1) / self.fps
        idx = self.g.add_input("-ss", seconds_arg(source_start), "-t", seconds_arg(seconds), "-i", path)
        filters = [
            f"aresample={SAMPLE_RATE}",
            "aformat=sample_fmts=fltp:channel_layouts=stereo",
            "asetpts=N",
            f"atrim=end_sample={samples}",
            f"apad=whole_len={samples}",
        ]
        if volume != 1:
            filters.append(f"volume={volume:.6f}")
        if fade_in:
            ns = audio_sample(fade_in, self.fps)
            filters.append(f"afade=t=in:ss=0:ns={ns}")
        if fade_out:
            ns = audio_sample(fade_out, self.fps)
            filters.append(f"afade=t=out:ss={samples - ns}:ns={ns}")
        filters.append(f"adelay=delays={start}S:all=1")
        self.audio_parts.append(self.g.chain(f"[{idx}:a]", filters, "ap"))


def _escape(value: str) -> str:
    """Escape a value for a single-quoted filter option."""
    return value.replace("\\", "\\\\").replace("'", "'\\''").replace(":", "\\:")


def _chains(track: VideoTrack) -> list[list[VideoClip]]:
    """Group a track's clips into runs joined by transitions, in timeline order."""
    nxt = {t.from_clip: t.to_clip for t in track.transitions}
    has_prev = {t.to_clip for t in track.transitions}
    by_id = {c.id: c for c in track.clips}
    runs: list[list[VideoClip]] = []
    for clip in track.clips:
        if clip.id in has_prev:
            continue
        run = [clip]
        while run[-1].id in nxt:
            run.append(by_id[nxt[run[-1].id]])
        runs.append(run)
    return runs


@dataclass(frozen=True)
class FFmpegPlan:
    """A full FFmpeg command line and how many frames it will write."""

    args: list[str]
    frames: int
    width: int
    height: int


def plan_render(
    checked: CheckedTimeline,
    output: Path,
    workdir: Path,
    *,
    preset: str = "1080p",
    quality: Quality = "standard",
    window: Span | None = None,
    video: bool = True,
    audio: bool = True,
    fonts_dir: Path = DEFAULT_FONTS_DIR,
    threads: int = 0,
) -> FFmpegPlan:
    """Build the FFmpeg command for a render without running it.

    `threads` > 0 caps the decoders, the filter graph and the encoder at that many threads each
    (FFmpeg's own demux/mux threads mostly wait), so one render keeps to about that many cores;
    0 lets FFmpeg use them all."""
    if preset not in PRESETS:
        raise RenderError(f"unknown preset {preset!r}; use one of {', '.join(PRESETS)}")
    if not (video or audio):
        raise RenderError("nothing to render: neither video nor audio")
    if checked.duration <= 0:
        raise RenderError("the timeline is empty")
    window = window or Span(0, checked.duration)
    if not 0 <= window.start < window.end <= checked.duration:
        raise RenderError(f"window {window} is outside the timeline (0-{checked.duration})")
    if audio and window != Span(0, checked.duration):
        raise RenderError("audio is rendered whole; render a window as video only")
    settings = PRESETS[preset]
    canvas = checked.timeline.canvas
    out_w, out_h = output_size(canvas.width, canvas.height, settings)
    b = _Builder(checked, window, workdir, fonts_dir)
    maps: list[str] = []
    codec: list[str] = []
    if video:
        vout = b.video()
        final = [f"trim=end_pts={window.end}", f"setpts=PTS-{window.start}"]
        if (out_w, out_h) != (canvas.width, canvas.height):
            final.append(f"scale={out_w}:{out_h}:flags=lanczos")
        final += ["format=yuv420p", BT709]
        b.g.chains.append(f"{vout}{','.join(final)}[vout]")
        maps += ["-map", "[vout]"]
        codec += ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-fps_mode", "passthrough"]
        if quality == "lossless":
            codec += ["-preset", "ultrafast", "-qp", "0"]
        else:
            offset, speed = QUALITY_TUNING[quality]
            codec += ["-profile:v", "high", "-preset", speed or settings.x264_preset]
            codec += ["-crf", str(settings.crf + offset)]
        codec += ["-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709"]
        codec += ["-color_range", "tv", "-video_track_timescale", str(canvas.fps.numerator)]
    if audio:
        aout = b.audio()
        b.g.chains.append(f"{aout}anull[aout]")
        maps += ["-map", "[aout]"]
        codec += ["-c:a", "aac", "-b:a", settings.audio_bitrate, "-ar", str(SAMPLE_RATE), "-ac", "2"]
    script = workdir / "graph.txt"
    script.write_text(";\n".join(b.g.chains), encoding="utf-8")
    args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error"]
    args += ["-progress", "pipe:1", "-stats_period", "0.25", "-nostats"]
    limit = ["-threads", str(threads)] if threads > 0 else []
    if limit:
        args += ["-filter_complex_threads", str(threads)]
    for spec in b.g.inputs:
        args += [*limit, *spec]
    args += ["-/filter_complex", str(script), *maps, *codec, *limit, "-movflags", "+faststart", str(output)]
    return FFmpegPlan(args, window.end - window.start, out_w, out_h)


def render(
    checked: CheckedTimeline,
    output: Path,
    *,
    preset: str = "1080p",
    quality: Quality = "standard",
    window: Span | None = None,
    video: bool = True,
    audio: bool = True,
    on_progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
    fonts_dir: Path = DEFAULT_FONTS_DIR,
    threads: int = 0,
) -> RenderResult:
    """Render a validated timeline (or a window of its video) to an MP4 file (`threads`: see
    `plan_render`)."""
    report = on_progress or (lambda _pct, _stage: None)
    report(0.0, "preparing")
    with tempfile.TemporaryDirectory(prefix="flowai-render-") as tmp:
        plan = plan_render(
            checked, output, Path(tmp), preset=preset, quality=quality, window=window,
            video=video, audio=audio, fonts_dir=fonts_dir, threads=threads,
        )  # fmt: skip
        total = plan.frames if video else 0
        run_with_progress(plan.args, total, report, should_cancel, output, Path(tmp))
    report(100.0, "done")
    canvas = checked.timeline.canvas
    return RenderResult(output, plan.frames, plan.width, plan.height, canvas.fps)


def run_with_progress(
    args: list[str],
    total_frames: int,
    report: ProgressCallback,
    should_cancel: CancelCheck | None,
    output: Path,
    workdir: Path,
) -> None:
    """Run FFmpeg, feed `-progress` lines to `report`, stop it when `should_cancel()` is true."""
    stderr_path = workdir / "ffmpeg.stderr"
    with stderr_path.open("wb") as stderr:
        proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=stderr)
        assert proc.stdout is not None
        lines: queue.Queue[bytes | None] = queue.Queue()
        reader = threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True)
        reader.start()
        try:
            done = False
            while not done:
                if should_cancel is not None and should_cancel():
                    _stop(proc)
                    output.unlink(missing_ok=True)
                    raise RenderCancelled("render cancelled")
                try:
                    line = lines.get(timeout=0.1)
                except queue.Empty:
                    continue
                if line is None:
                    done = True
                    continue
                key, _, value = line.decode(errors="replace").strip().partition("=")
                if key == "frame" and total_frames:
                    pct = min(99.0, 100.0 * int(value or 0) / total_frames)
                    report(pct, "encoding")
                elif key == "progress" and value == "end":
                    report(99.0, "finishing")
            code = proc.wait()
        except BaseException:
            _stop(proc)
            raise
        finally:
            reader.join(timeout=5)
    if code != 0:
        output.unlink(missing_ok=True)
        tail = stderr_path.read_text(errors="replace")[-4000:]
        raise FFmpegError(f"ffmpeg exited with {code}", tail)


def _pump(stream: IO[bytes], lines: queue.Queue[bytes | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
