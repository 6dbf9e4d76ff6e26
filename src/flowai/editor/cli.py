"""`flowai render` and `flowai magic-cut`: the editor engine from the command line.

On the command line there is no asset database: a timeline's `asset_id` is a path to a local
file, relative to the timeline file, and every file belongs to the tenant "local".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import unquote, urlparse

import typer

from flowai.editor.magic_cut import SceneDetector, SpeechParams, analyse
from flowai.editor.media import MediaError, probe
from flowai.editor.render import PRESETS, render
from flowai.editor.timeline import (
    AssetInfo,
    TimelineInvalid,
    load_timeline,
    parse_rate,
    validate_timeline,
)

LOCAL_TENANT = "local"


@dataclass
class LocalFiles:
    """AssetResolver over local files: the asset id is a path relative to `root`."""

    root: Path
    cache: dict[str, AssetInfo | None] = field(default_factory=dict)

    def get(self, asset_id: str) -> AssetInfo | None:
        if asset_id not in self.cache:
            try:
                self.cache[asset_id] = probe(self.root / asset_id).asset(LOCAL_TENANT)
            except MediaError:
                self.cache[asset_id] = None
        return self.cache[asset_id]


INTERCHANGE = {".otio": "otio_json", ".xml": "fcp_xml", ".fcpxml": "fcp_xml", ".edl": "cmx_3600"}


def _from_interchange(path: Path, files: LocalFiles, fps: Fraction | None) -> dict[str, Any]:
    """An OTIO-readable file as our timeline; media references are local paths (or file:// URLs)
    relative to the file. An EDL carries no rate: its timecodes are read at `fps`, else at the
    rate of the first clip's video (24 when none is found)."""
    import opentimelineio as otio_lib

    from flowai.editor.otio import from_otio

    adapter = INTERCHANGE[path.suffix.lower()]

    def resolve(clip: Any) -> tuple[str, AssetInfo] | None:
        url = str(getattr(clip.media_reference, "target_url", "") or "")
        local = unquote(urlparse(url).path) if url.startswith("file://") else url
        info = files.get(local) if local else None
        return (local, info) if info else None

    def read(**options: Any) -> Any:
        try:
            return otio_lib.adapters.read_from_file(str(path), adapter, **options)
        except Exception as exc:  # adapters raise many types
            raise typer.BadParameter(
                f"not a readable {path.suffix} file: {exc}", param_hint="TIMELINE"
            ) from exc

    if adapter != "cmx_3600":
        return from_otio(read(), resolve)
    if fps is None:  # a first look for the media only: at SMPTE's highest rate any frame number fits
        media = (found[1] for clip in read(rate=60, ignore_timecode_mismatch=True).find_clips()
                 if (found := resolve(clip)))  # fmt: skip
        fps = next((info.fps for info in media if info.kind == "video" and info.fps), None)
    return from_otio(read(rate=float(fps or 24)), resolve)


def render_command(
    timeline: Annotated[
        Path, typer.Argument(help="Timeline JSON (asset ids are file paths), .otio, FCP XML or EDL.")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="MP4 to write.")],
    preset: Annotated[str, typer.Option(help=f"One of {', '.join(PRESETS)}.")] = "1080p",
    fps: Annotated[
        str | None,
        typer.Option(help="An EDL's frame rate (25, 30000/1001); default: its first clip's video."),
    ] = None,
) -> None:
    """Render a timeline to an MP4 with the project's FFmpeg."""
    suffix = timeline.suffix.lower()
    if suffix not in (".json", *INTERCHANGE):
        raise typer.BadParameter(
            "use our timeline .json, .otio, FCP XML (.xml) or an .edl", param_hint="TIMELINE"
        )
    try:
        edl_fps = parse_rate(fps) if fps is not None else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--fps") from exc
    files = LocalFiles(timeline.parent)
    try:
        doc = timeline.read_bytes() if suffix == ".json" else _from_interchange(timeline, files, edl_fps)
        checked = validate_timeline(load_timeline(doc), tenant_id=LOCAL_TENANT, assets=files)
    except TimelineInvalid as exc:
        for issue in exc.issues:
            typer.echo(f"{issue.path}: {issue.msg}", err=True)
        raise typer.Exit(2) from exc
    last = -10.0

    def progress(pct: float, stage: str) -> None:
        nonlocal last
        if pct - last >= 10 or pct == 100:
            typer.echo(f"{pct:5.1f}% {stage}", err=True)
            last = pct

    result = render(checked, output, preset=preset, on_progress=progress)
    typer.echo(f"{result.path} {result.width}x{result.height} {result.frames} frames")


def magic_cut_command(
    media: Annotated[Path, typer.Argument(help="Audio or video file to analyse.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    threshold: float = 0.5,
    min_silence: float = 0.3,
    padding: float = 0.1,
    scenes: Annotated[str, typer.Option(help="scdet, histogram or none.")] = "scdet",
) -> None:
    """Find speech, silences and scene changes."""
    if scenes not in ("scdet", "histogram", "none"):
        raise typer.BadParameter("use scdet, histogram or none", param_hint="--scenes")
    detector: SceneDetector | None = None if scenes == "none" else scenes  # type: ignore[assignment]
    try:
        result = analyse(
            media,
            params=SpeechParams(threshold=threshold, min_silence=min_silence, padding=padding),
            detector=detector,
        )
    except MediaError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    data = result.as_json()
    if as_json:
        typer.echo(json.dumps(data))
        return
    for s, e in data["speech"]:
        typer.echo(f"speech {s:8.3f} - {e:8.3f}")
    typer.echo(f"scenes at frames {data['scenes']} ({data['fps']} fps)")


def register(app: typer.Typer) -> None:
    """Add `render`, `magic-cut`, `transcribe` and `captions` to a Typer app (mounted on `flowai`)."""
    app.command("render")(render_command)
    app.command("magic-cut")(magic_cut_command)
    from flowai.editor.captions_cli import register as register_captions

    register_captions(app)
