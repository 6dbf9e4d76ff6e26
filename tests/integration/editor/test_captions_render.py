"""Burned-in captions on a real FFmpeg render: on the frames the timeline says and nowhere else, the
picture outside the caption box untouched (PSNR against the same render without captions), and
Arabic and Japanese drawn as real glyphs (harfbuzz, fribidi, fontconfig fallback), not tofu."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from flowai.editor.media import probe
from flowai.editor.render import render
from flowai.editor.timeline import Span, StaticAssets, load_timeline, validate_timeline

from .conftest import Sources, decode_rgb, read_barcode  # type: ignore[import-not-found]


def _render(sources: Sources, tmp: Path, name: str, captions: dict[str, Any] | None) -> list[np.ndarray]:
    info = probe(sources.v30).asset("t")
    doc: dict[str, Any] = {
        "canvas": {"width": 320, "height": 180, "fps": "30"},
        "video_tracks": [{"id": "v", "clips": [
            {"id": "a", "asset_id": "v30", "source_in": 0, "source_out": 60, "start": 0}]}],
        "captions": captions,
    }  # fmt: skip
    checked = validate_timeline(load_timeline(doc), tenant_id="t", assets=StaticAssets({"v30": info}))
    out = render(checked, tmp / f"{name}.mp4", preset="canvas", quality="lossless", audio=False)
    return decode_rgb(out.path)


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(float) - b.astype(float)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255**2 / mse)


def _caption_mask(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.any(np.abs(a.astype(int) - b.astype(int)) > 24, axis=2)


def test_captions_burn_in_on_their_frames_only(sources: Sources, tmp_path: Path) -> None:
    lines = {"style": "boxed", "lines": [
        {"id": "c1", "text": "First line", "start": 10, "length": 15},
        {"id": "c2", "text": "Second", "start": 30, "length": 12}]}  # fmt: skip
    plain = _render(sources, tmp_path, "plain", None)
    captioned = _render(sources, tmp_path, "captioned", lines)
    assert len(plain) == len(captioned) == 60
    on = {k for line in lines["lines"] for k in range(line["start"], line["start"] + line["length"])}  # type: ignore[index]
    for k in range(60):
        assert read_barcode(captioned[k].mean(axis=2).astype(np.uint8)) == (1, k)
        mask = _caption_mask(plain[k], captioned[k])
        if k not in on:
            assert not mask.any(), f"frame {k} has caption pixels"
            continue
        ys, xs = np.nonzero(mask)
        assert ys.size > 300, f"frame {k}: no caption"
        assert ys.min() > 120, "the boxed style sits at the bottom"
        box = np.zeros(mask.shape, bool)
        box[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1] = True
        assert _psnr(plain[k][~box], captioned[k][~box]) >= 30


def _line_pixels(sources: Sources, tmp: Path, texts: list[str]) -> list[np.ndarray]:
    track = {"style": "boxed",
             "lines": [{"id": f"c{n}", "text": t, "start": 2 * n, "length": 1} for n, t in enumerate(texts)]}  # fmt: skip
    frames = _render(sources, tmp, f"glyphs-{len(texts)}", track)
    base = _render(sources, tmp, "plain", None)
    out = []
    for n in range(len(texts)):
        mask = _caption_mask(base[2 * n], frames[2 * n])
        ys, xs = np.nonzero(mask)
        assert ys.size > 50, f"{texts[n]!r}: nothing drawn"
        out.append(frames[2 * n][ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].mean(axis=2))
    return out


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and float(np.mean(np.abs(a - b))) < 2.0


def test_arabic_and_japanese_render_as_glyphs_not_tofu(sources: Sources, tmp_path: Path) -> None:
    # Three characters that no installed font has (private use area) draw three identical
    # "missing glyph" boxes; real glyphs of three different characters never look alike.
    tofu, ja, ja_rev, ar, ar_rev = _line_pixels(
        sources, tmp_path, ["\ue000\ue001\ue002", "日本語", "語本日", "بتث", "ثتب"]
    )
    assert not _same(ja, ja_rev), "Japanese characters all look alike: tofu"
    assert not _same(ar, ar_rev), "Arabic letters all look alike: tofu"
    assert not _same(ja, tofu) and not _same(ar, tofu)
    # Arabic is shaped: three joined letters are narrower than the same letters apart
    (apart,) = _line_pixels(sources, tmp_path, ["ب ت ث"])
    assert ar.shape[1] < apart.shape[1]


def test_a_windowed_render_burns_the_same_captions_on_the_same_frames(
    sources: Sources, tmp_path: Path
) -> None:
    """Segmented exports render windows of the timeline: libass reads timeline time there too."""
    info = probe(sources.v30).asset("t")
    doc = {
        "canvas": {"width": 320, "height": 180, "fps": "30"},
        "video_tracks": [{"id": "v", "clips": [
            {"id": "a", "asset_id": "v30", "source_in": 0, "source_out": 60, "start": 0}]}],
        "captions": {"style": "bold", "karaoke": True, "lines": [
            {"id": "c1", "text": "one two", "start": 25, "length": 20,
             "words": [{"text": "one", "start": 25, "end": 32}, {"text": "two", "start": 35, "end": 44}]}]},
    }  # fmt: skip
    checked = validate_timeline(load_timeline(doc), tenant_id="t", assets=StaticAssets({"v30": info}))
    whole = decode_rgb(
        render(checked, tmp_path / "whole.mp4", preset="canvas", quality="lossless", audio=False).path
    )
    part = render(checked, tmp_path / "part.mp4", preset="canvas", quality="lossless", audio=False,
                  window=Span(30, 50)).path  # fmt: skip
    window = decode_rgb(part)
    assert len(window) == 20
    for k, picture in enumerate(window):
        assert np.array_equal(picture, whole[30 + k]), f"timeline frame {30 + k}"
    # the karaoke highlight moves from "one" to "two" at frame 35
    assert not np.array_equal(whole[34][120:], whole[35][120:])
    assert np.array_equal(whole[35][120:], whole[36][120:])
