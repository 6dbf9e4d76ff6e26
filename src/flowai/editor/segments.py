"""Scale-out rendering: split a render into video segments that workers render independently,
plus one audio job, and join them without re-encoding.

Each segment is a windowed render (see render.py), so its frames are the frames of the whole
render; cutting at clip boundaries outside transitions only avoids decoding frames twice. Audio is
rendered whole in its own (cheap) job: AAC cut into pieces would leave priming gaps at every join.
With ``quality="lossless"`` the joined file decodes to exactly the frames of a one-job render;
with lossy settings each segment is encoded on its own, so pixels differ within the encoder's
noise while every frame still shows the same source frame.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from flowai.editor.media import run_ffmpeg
from flowai.editor.render import (
    CancelCheck,
    ProgressCallback,
    Quality,
    RenderResult,
    render,
)
from flowai.editor.timeline import CheckedTimeline, Span


def cut_points(checked: CheckedTimeline) -> list[int]:
    """Frames where a video clip starts or ends and no transition is running."""
    points: set[int] = set()
    busy: list[Span] = []
    for track in checked.timeline.video_tracks:
        for clip in track.clips:
            span = checked.spans[clip.id]
            points.update((span.start, span.end))
        for tr in track.transitions:
            end = checked.spans[tr.from_clip].end
            busy.append(Span(end - tr.length, end))
    return sorted(
        p for p in points if 0 < p < checked.duration and not any(b.start < p < b.end for b in busy)
    )


def plan_segments(checked: CheckedTimeline, *, target_frames: int) -> list[Span]:
    """Windows of about `target_frames` that cover the timeline, cut at cut points when one is
    within the second half of a window, else at the window's length."""
    if target_frames <= 0:
        raise ValueError("target_frames must be positive")
    points = cut_points(checked)
    spans: list[Span] = []
    start = 0
    while start < checked.duration:
        limit = min(start + target_frames, checked.duration)
        near = [p for p in points if start + target_frames // 2 <= p <= limit]
        end = limit if limit == checked.duration or not near else max(near)
        spans.append(Span(start, end))
        start = end
    return spans


def render_segment(
    checked: CheckedTimeline,
    window: Span,
    output: Path,
    *,
    preset: str = "1080p",
    quality: Quality = "standard",
    on_progress: ProgressCallback | None = None,
    should_cancel: CancelCheck | None = None,
    threads: int = 0,
) -> RenderResult:
    """Render the video of one window (one job on one worker)."""
    return render(
        checked, output, preset=preset, quality=quality, window=window, audio=False,
        on_progress=on_progress, should_cancel=should_cancel, threads=threads,
    )  # fmt: skip


def render_audio(
    checked: CheckedTimeline,
    output: Path,
    *,
    preset: str = "1080p",
    should_cancel: CancelCheck | None = None,
    threads: int = 0,
) -> RenderResult:
    """Render the whole mixed soundtrack as AAC in an .m4a (one job)."""
    return render(checked, output, preset=preset, video=False, should_cancel=should_cancel, threads=threads)


def join_segments(segments: list[Path], output: Path, *, audio: Path | None = None) -> Path:
    """Concatenate segment files with the concat demuxer (stream copy) and add the audio."""
    if not segments:
        raise ValueError("no segments to join")
    with tempfile.TemporaryDirectory(prefix="flowai-join-") as tmp:
        listing = Path(tmp) / "segments.txt"
        lines = [f"file '{_quote(str(p.resolve()))}'" for p in segments]
        listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
        args = ["-y", "-f", "concat", "-safe", "0", "-i", str(listing)]
        maps = ["-map", "0:v"]
        if audio is not None:
            args += ["-i", str(audio)]
            maps += ["-map", "1:a"]
        run_ffmpeg([*args, *maps, "-c", "copy", "-movflags", "+faststart", str(output)])
    return output


def _quote(path: str) -> str:
    return path.replace("'", "'\\''")


def render_segmented(
    checked: CheckedTimeline,
    output: Path,
    workdir: Path,
    *,
    target_frames: int,
    preset: str = "1080p",
    quality: Quality = "standard",
) -> Path:
    """All the steps in one process (what N workers would do in parallel), for tests and CLI."""
    parts = []
    for n, window in enumerate(plan_segments(checked, target_frames=target_frames)):
        part = workdir / f"segment-{n:04d}.mp4"
        render_segment(checked, window, part, preset=preset, quality=quality)
        parts.append(part)
    audio = render_audio(checked, workdir / "audio.m4a", preset=preset).path
    return join_segments(parts, output, audio=audio)
