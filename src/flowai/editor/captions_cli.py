"""`flowai transcribe` and `flowai captions`: transcripts and caption files from the command line.

`captions` takes a media file (one clip from start to end, at the file's own frame rate) or a
timeline .json whose asset ids are local paths (as for `flowai render`): its caption track when it
has one, else one made from the transcripts of the clips on it.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Annotated

import typer

from flowai.editor import captions
from flowai.editor.media import MediaError, probe
from flowai.editor.timeline import (
    AssetInfo,
    Canvas,
    CheckedTimeline,
    Span,
    Timeline,
    TimelineInvalid,
    load_timeline,
    validate_timeline,
)
from flowai.editor.transcribe import EMBEDDED_MODEL, Word, transcribe_file

Model = Annotated[str, typer.Option(help="faster-whisper model: tiny.en (embedded) or an installed one.")]


def _words(path: Path, model: str) -> list[Word]:
    try:
        words, _duration = transcribe_file(path, model=model)
    except (MediaError, RuntimeError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    return words


def transcribe_command(
    media: Annotated[Path, typer.Argument(help="Audio or video file with speech.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the words as JSON.")] = False,
    model: Model = EMBEDDED_MODEL,
) -> None:
    """Print the words spoken in a file with their start and end (seconds)."""
    words = _words(media, model)
    if as_json:
        typer.echo(json.dumps({"model": model, "words": [w.as_json() for w in words]}))
        return
    for w in words:
        typer.echo(f"{w.start:8.3f} {w.end:8.3f}  {w.text}")


def _media_timeline(media: Path) -> CheckedTimeline:
    try:
        info = probe(media).asset("local")
    except MediaError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    fps = info.fps if info.kind == "video" and info.fps else Fraction(30)
    frames = int(info.duration_seconds * fps)
    clip = {"id": "a", "asset_id": str(media), "source_in": 0, "start": 0, "length": max(1, frames)}
    tl = Timeline(canvas=Canvas(width=max(2, info.width // 2 * 2) if info.width else 1920,
                                height=max(2, info.height // 2 * 2) if info.height else 1080, fps=fps),
                  audio_tracks=[{"id": "a1", "clips": [clip]}])  # fmt: skip
    audio_info = AssetInfo(info.tenant_id, info.path, int(info.duration_seconds * fps), fps,
                           has_audio=True, kind="audio")  # fmt: skip
    return CheckedTimeline(tl, {str(media): audio_info}, {"a": Span(0, max(1, frames))}, max(1, frames))


def captions_command(
    source: Annotated[Path, typer.Argument(help="A media file, or a timeline .json (asset ids are paths).")],
    srt: Annotated[bool, typer.Option("--srt", help="Write SubRip.")] = False,
    vtt: Annotated[bool, typer.Option("--vtt", help="Write WebVTT.")] = False,
    ass: Annotated[bool, typer.Option("--ass", help="Write the ASS document the export burns in.")] = False,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File to write (default: stdout).")
    ] = None,
    style: Annotated[str, typer.Option(help="classic, boxed, bold or top.")] = "classic",
    karaoke: Annotated[bool, typer.Option(help="Highlight the spoken word (ASS).")] = False,
    model: Model = EMBEDDED_MODEL,
) -> None:
    """Caption file of a media file or a timeline: --srt, --vtt or --ass."""
    if [srt, vtt, ass].count(True) != 1:
        raise typer.BadParameter("choose one of --srt, --vtt, --ass", param_hint="--srt/--vtt/--ass")
    if style not in captions.STYLES:
        raise typer.BadParameter(f"use one of {', '.join(captions.STYLES)}", param_hint="--style")
    if source.suffix.lower() == ".json":
        from flowai.editor.cli import LOCAL_TENANT, LocalFiles

        files = LocalFiles(source.parent)
        try:
            checked = validate_timeline(
                load_timeline(source.read_bytes()), tenant_id=LOCAL_TENANT, assets=files
            )
        except TimelineInvalid as exc:
            for issue in exc.issues:
                typer.echo(f"{issue.path}: {issue.msg}", err=True)
            raise typer.Exit(2) from exc
        transcripts = {a: [w.as_json() for w in _words(source.parent / a, model)]
                       for a, info in checked.assets.items() if info.has_audio or info.kind == "audio"}  # fmt: skip
    else:
        checked = _media_timeline(source)
        transcripts = {str(source): [w.as_json() for w in _words(source, model)]}
    tl = checked.timeline
    if tl.captions is None or not tl.captions.lines:
        words = captions.timeline_words(checked, transcripts)
        track = captions.caption_track(words, tl.canvas.fps, style=style, karaoke=karaoke)
        tl = tl.model_copy(update={"captions": track})
    writer = captions.srt_document if srt else captions.vtt_document if vtt else captions.ass_document
    text = writer(tl)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"{output} {len(tl.captions.lines) if tl.captions else 0} lines", err=True)


def register(app: typer.Typer) -> None:
    app.command("transcribe")(transcribe_command)
    app.command("captions")(captions_command)
