"""`flowai render` reads interchange files: an .otio or an .edl with local media renders the same
frames as the timeline they were written from."""

from __future__ import annotations

import shutil
from pathlib import Path

import typer
from flowai_media import BLOCK
from typer.testing import CliRunner

from flowai.editor import otio as interchange
from flowai.editor.cli import LOCAL_TENANT, LocalFiles, register
from flowai.editor.timeline import CheckedTimeline, load_timeline, validate_timeline

from ..editor.conftest import decode_gray, read_barcode  # type: ignore[import-not-found]
from .conftest import Media  # type: ignore[import-not-found]

GAP = [(0, 0)] * 2  # black background between the clips
WANT = [(1, n) for n in range(20, 30)] + GAP + [(3, n) for n in range(50, 55)]


def _local_edit(media: Media, folder: Path) -> CheckedTimeline:
    """Two clips of local files (asset ids are paths relative to `folder`), a 2-frame gap between."""
    shutil.copy(media.v30, folder / "clip.mp4")
    shutil.copy(media.v30b, folder / "other.mp4")
    doc = {
        "canvas": {"width": 320, "height": 180, "fps": "30"},
        "video_tracks": [{"id": "v", "clips": [
            {"id": "a", "asset_id": "clip.mp4", "source_in": 20, "source_out": 30, "start": 0},
            {"id": "b", "asset_id": "other.mp4", "source_in": 50, "source_out": 55, "start": 12},
        ]}],
    }  # fmt: skip
    return validate_timeline(load_timeline(doc), tenant_id=LOCAL_TENANT, assets=LocalFiles(folder))


def _cli() -> typer.Typer:
    cli = typer.Typer()
    register(cli)
    cli.command("noop")(lambda: None)  # a second command so Typer keeps sub-command names
    return cli


def test_render_an_otio_file(media: Media, tmp_path: Path) -> None:
    checked = _local_edit(media, tmp_path)
    text = interchange.write(checked, "otio", name="cli", media_url=lambda a: f"file://{tmp_path / a}")
    (tmp_path / "edit.otio").write_text(text)
    out = tmp_path / "out.mp4"
    result = CliRunner().invoke(
        _cli(), ["render", str(tmp_path / "edit.otio"), "-o", str(out), "--preset", "canvas"]
    )
    assert result.exit_code == 0, result.output
    assert [read_barcode(f) for f in decode_gray(out)] == WANT


def test_render_an_edl_at_its_medias_rate(media: Media, tmp_path: Path) -> None:
    """An EDL carries no frame rate: `render` reads it at the first clip's video rate (30 here,
    where the adapter would assume 24), or at --fps."""
    checked = _local_edit(media, tmp_path)
    (tmp_path / "edit.edl").write_text(interchange.write(checked, "edl", name="cli", media_url=str))
    cli, out = _cli(), tmp_path / "out.mp4"
    args = ["render", str(tmp_path / "edit.edl"), "-o", str(out), "--preset", "canvas"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    frames = decode_gray(out)  # an EDL has no canvas: the default 1920x1080, the 320x180 media scaled 6x
    assert frames[0].shape == (1080, 1920)
    assert [read_barcode(f, block=BLOCK * 6) for f in frames] == WANT
    assert CliRunner().invoke(cli, [*args, "--fps", "30"]).exit_code == 0
    wrong = CliRunner().invoke(cli, [*args, "--fps", "24"])  # frame 29 cannot exist at 24 fps
    assert wrong.exit_code == 2 and "not a readable .edl file" in wrong.output, wrong.output
    assert CliRunner().invoke(cli, [*args, "--fps", "fast"]).exit_code == 2
