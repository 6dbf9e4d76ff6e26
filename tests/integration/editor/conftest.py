"""Generated media for the editor tests: every frame carries its number as a barcode.

The top 80 rows of each 320x180 frame hold 16 black/white blocks (2 rows of 8, 40 px): the low
12 bits are the frame number, the high 4 bits the id of the source, so a decoded output frame
says exactly which frame of which file it shows. Audio is silent except for a 1 kHz beep that
starts at a known frame, to check sync.
"""

from __future__ import annotations

import subprocess
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from flowai.editor.media import ffmpeg_exe

W, H = 320, 180
BLOCK = 40
BITS = 16
AUDIO_RATE = 48_000


def barcode_frame(number: int, source_id: int) -> np.ndarray:
    """A gray 320x180 frame with (source_id << 12 | number) drawn as 16 blocks."""
    frame = np.full((H, W), 128, dtype=np.uint8)
    value = (source_id << 12) | number
    for bit in range(BITS):
        row, col = divmod(bit, 8)
        on = (value >> bit) & 1
        frame[row * BLOCK : (row + 1) * BLOCK, col * BLOCK : (col + 1) * BLOCK] = 255 if on else 0
    return frame


def block_levels(gray: np.ndarray, x: int = 0, y: int = 0, block: int = BLOCK) -> np.ndarray:
    """Mean level (0-1) of the centre of each of the 16 blocks of a barcode drawn at (x, y)."""
    levels = np.empty(BITS)
    q = block // 4
    for bit in range(BITS):
        row, col = divmod(bit, 8)
        y0, x0 = y + row * block + q, x + col * block + q
        levels[bit] = gray[y0 : y0 + 2 * q, x0 : x0 + 2 * q].mean() / 255.0
    return levels


def read_barcode(gray: np.ndarray, x: int = 0, y: int = 0, block: int = BLOCK) -> tuple[int, int] | None:
    """(source_id, frame number) of a barcode, or None where a block is neither black nor white
    (a blend, or no barcode)."""
    levels = block_levels(gray, x, y, block)
    if np.any((levels > 0.2) & (levels < 0.8)):
        return None
    value = sum(1 << bit for bit in range(BITS) if levels[bit] >= 0.5)
    return value >> 12, value & 0xFFF


def decode_gray(path: Path) -> list[np.ndarray]:
    """Every video frame of a file as a gray array."""
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="gray") for f in container.decode(video=0)]


def decode_rgb(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def decode_audio(path: Path) -> np.ndarray:
    """All audio as mono float samples (mean of channels)."""
    with av.open(str(path)) as container:
        chunks = [f.to_ndarray() for f in container.decode(audio=0)]
    data = np.concatenate(chunks, axis=1)
    return np.asarray(data.mean(axis=0), dtype=np.float64)


def beep_onset(samples: np.ndarray, rate: int = AUDIO_RATE) -> float:
    """Seconds where the first loud sound starts."""
    loud = np.flatnonzero(np.abs(samples) > 0.1)
    assert loud.size, "no beep found"
    return float(loud[0]) / rate


def beep_wave(seconds: Fraction, beep_at: Fraction, beep_len: float = 0.1) -> np.ndarray:
    n = int(seconds * AUDIO_RATE)
    audio = np.zeros(n, dtype=np.float32)
    start = int(beep_at * AUDIO_RATE)
    t = np.arange(int(beep_len * AUDIO_RATE)) / AUDIO_RATE
    audio[start : start + t.size] = 0.5 * np.sin(2 * np.pi * 1000 * t)
    return audio


def write_wav(path: Path, mono: np.ndarray) -> None:
    pcm = (np.clip(mono, -1, 1) * 32767).astype("<i2")
    stereo = np.repeat(pcm[:, None], 2, axis=1)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(AUDIO_RATE)
        out.writeframes(stereo.tobytes())


def make_barcode_video(
    path: Path, *, fps: Fraction, frames: int, source_id: int, beep_frame: int | None
) -> Path:
    """Encode a barcoded clip (H.264 + AAC) through FFmpeg from raw frames."""
    wav = path.with_suffix(".wav")
    seconds = Fraction(frames) / fps
    if beep_frame is None:
        write_wav(wav, np.zeros(int(seconds * AUDIO_RATE), dtype=np.float32))
    else:
        write_wav(wav, beep_wave(seconds, Fraction(beep_frame) / fps))
    rate = f"{fps.numerator}/{fps.denominator}"
    cmd = [
        ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "gray", "-s", f"{W}x{H}", "-r", rate, "-i", "-",
        "-i", str(wav), "-map", "0:v", "-map", "1:a",
        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "12", "-pix_fmt", "yuv420p", "-g", "12",
        "-c:a", "aac", "-b:a", "128k", "-shortest", str(path),
    ]  # fmt: skip
    raw = b"".join(barcode_frame(n, source_id).tobytes() for n in range(frames))
    subprocess.run(cmd, input=raw, check=True)
    wav.unlink()
    return path


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
