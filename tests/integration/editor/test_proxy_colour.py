"""The preview proxy shows the colours the export shows, whatever matrix the upload was coded in."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from flowai_media import CODE_ROWS, Colorspace, gradient_frame, make_barcode_video

from flowai.editor.media import make_proxy, probe
from flowai.editor.render import render
from flowai.editor.timeline import StaticAssets, load_timeline, validate_timeline

MATRIX = {1: "ITU709", 5: "ITU601", 6: "ITU601"}  # AVColorSpace tag → swscale matrix; 2 = untagged


def decode_first(path: Path) -> tuple[np.ndarray, int]:
    """The first frame as RGB, converted with the matrix the file is tagged with (BT.601 untagged)."""
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        tag = int(frame.colorspace)
        rgb = frame.reformat(
            format="rgb24", src_colorspace=MATRIX.get(tag, "ITU601"), src_color_range="MPEG",
            dst_color_range="JPEG",
        ).to_ndarray()  # fmt: skip
    return rgb, tag


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 99.0 if mse == 0 else float(10 * np.log10(255.0**2 / mse))


@pytest.mark.parametrize("colorspace", ["bt601", "bt709", None])
def test_proxy_and_export_show_the_same_colours(tmp_path: Path, colorspace: Colorspace) -> None:
    src = make_barcode_video(
        tmp_path / "src.mp4", fps=Fraction(30), frames=6, source_id=2, picture="gradient",
        colorspace=colorspace,
    )  # fmt: skip
    proxy, tag = decode_first(make_proxy(src, tmp_path / "proxy.mp4"))
    assert tag == 6, "the proxy is coded and tagged BT.601 (what Chromium's software path assumes)"
    info = probe(src)
    timeline = {
        "version": 1,
        "canvas": {"width": 320, "height": 180, "fps": "30"},
        "video_tracks": [{"id": "v1", "clips": [
            {"id": "c1", "asset_id": "a", "source_in": 0, "source_out": 6, "start": 0},
        ]}],
    }  # fmt: skip
    checked = validate_timeline(
        load_timeline(timeline), tenant_id="t", assets=StaticAssets({"a": info.asset("t")})
    )
    exported, _ = decode_first(
        render(checked, tmp_path / "out.mp4", preset="canvas", quality="lossless").path
    )
    picture = slice(CODE_ROWS, None)
    assert psnr(proxy[picture], exported[picture]) >= 35  # a wrong matrix gives about 29 dB
    if colorspace is not None:  # a tagged source: both show the colours it was made with
        truth = gradient_frame(0, 2)[picture]
        assert psnr(proxy[picture], truth) >= 35
        assert psnr(exported[picture], truth) >= 35
