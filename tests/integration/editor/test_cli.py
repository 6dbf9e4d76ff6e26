"""The CLI commands, mounted on a Typer app the way flowai.cli mounts them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import typer
from typer.testing import CliRunner

from flowai.editor.cli import register

from .conftest import Sources, decode_gray, read_barcode  # type: ignore[import-not-found]


def app() -> typer.Typer:
    cli = typer.Typer()
    register(cli)

    @cli.command("noop")
    def noop() -> None:  # a second command so Typer keeps sub-command names
        pass

    return cli


def test_render_command_writes_the_timeline(sources: Sources, tmp_path: Path) -> None:
    shutil.copy(sources.v30, tmp_path / "clip.mp4")
    (tmp_path / "tl.json").write_text(json.dumps({
        "canvas": {"width": 320, "height": 180, "fps": "30"},
        "video_tracks": [{"id": "v", "clips": [
            {"id": "a", "asset_id": "clip.mp4", "source_in": 20, "source_out": 30, "start": 0}]}],
    }))  # fmt: skip
    out = tmp_path / "out.mp4"
    result = CliRunner().invoke(app(), ["render", str(tmp_path / "tl.json"), "-o", str(out),
                                        "--preset", "canvas"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [read_barcode(f) for f in decode_gray(out)] == [(1, n) for n in range(20, 30)]


def test_render_command_reports_the_bad_field(tmp_path: Path) -> None:
    (tmp_path / "tl.json").write_text(json.dumps({
        "canvas": {"width": 320, "height": 180, "fps": "30"},
        "video_tracks": [{"id": "v", "clips": [
            {"id": "a", "asset_id": "missing.mp4", "source_in": 0, "source_out": 3, "start": 0}]}],
    }))  # fmt: skip
    result = CliRunner().invoke(app(), ["render", str(tmp_path / "tl.json"), "-o", "x.mp4"])
    assert result.exit_code == 2
    assert "video_tracks.0.clips.0.asset_id: asset 'missing.mp4' not found" in result.output


def test_magic_cut_json(sources: Sources) -> None:
    result = CliRunner().invoke(app(), ["magic-cut", str(sources.v30), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"speech", "silences", "scenes", "fps"}
    assert data["fps"] == "30/1"
    assert data["speech"] == []  # a beep is not speech
    assert data["silences"] == [[0.0, 3.0]]
