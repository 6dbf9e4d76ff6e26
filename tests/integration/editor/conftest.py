"""Generated media for the editor tests: every frame carries its number as a barcode (see
tests/support/flowai_media.py, shared with the browser test).

The top 80 rows of each 320x180 frame hold 16 black/white blocks (2 rows of 8, 40 px): the low
12 bits are the frame number, the high 4 bits the id of the source, so a decoded output frame
says exactly which frame of which file it shows. Audio is silent except for a 1 kHz beep that
starts at a known frame, to check sync.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pytest
from flowai_media import (
    AUDIO_RATE,
    BITS,
    BLOCK,
    H,
    W,
    barcode_frame,
    beep_onset,
    beep_wave,
    block_levels,
    decode_audio,
    decode_gray,
    decode_rgb,
    make_barcode_video,
    read_barcode,
    write_wav,
)

from flowai.editor.media import ffmpeg_exe

__all__ = [
    "AUDIO_RATE", "BITS", "BLOCK", "H", "W", "Sources", "barcode_frame", "beep_onset", "beep_wave",
    "block_levels", "decode_audio", "decode_gray", "decode_rgb", "make_barcode_video",
    "read_barcode", "write_wav",
]  # fmt: skip


@dataclass(frozen=True)
class Sources:
    """The generated media of one test session."""

    v30: Path  # id 1, 30 fps, 90 frames, beep at frame 45
    v30b: Path  # id 3, 30 fps, 90 frames, beep at frame 60
    v25: Path  # id 2, 25 fps, 75 frames, beep at frame 40
    ntsc: Path  # id 4, 30000/1001, 90 frames, beep at frame 30
    narration: Path  # wav, 3 s, beep at 1.5 s
    logo: Path  # 40x40 opaque red PNG


@pytest.fixture(scope="session")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Sources:
    d = tmp_path_factory.mktemp("editor-media")
    narration = d / "narration.wav"
    write_wav(narration, beep_wave(Fraction(3), Fraction(3, 2)))
    logo = d / "logo.png"
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         "color=c=red:s=40x40", "-frames:v", "1", "-pix_fmt", "rgba", str(logo)],
        check=True,
    )  # fmt: skip
    return Sources(
        v30=make_barcode_video(
            d / "v30.mp4", fps=Fraction(30), frames=90, source_id=1, beep_frame=45
        ),  # fmt: skip
        v30b=make_barcode_video(
            d / "v30b.mp4", fps=Fraction(30), frames=90, source_id=3, beep_frame=60
        ),  # fmt: skip
        v25=make_barcode_video(
            d / "v25.mp4", fps=Fraction(25), frames=75, source_id=2, beep_frame=40
        ),  # fmt: skip
        ntsc=make_barcode_video(
            d / "ntsc.mp4", fps=Fraction(30000, 1001), frames=90, source_id=4, beep_frame=30
        ),  # fmt: skip
        narration=narration,
        logo=logo,
    )


@pytest.fixture(scope="session")
def barcode() -> Iterator[Callable[..., tuple[int, int] | None]]:
    yield read_barcode
