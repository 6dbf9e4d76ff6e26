"""Generated test media whose every frame says which frame it is, shared by the editor's
integration tests (render, segments, Magic Cut) and its browser test (preview vs export).

The top 80 rows of each 320x180 frame hold 16 black/white blocks (2 rows of 8, 40 px): the low
12 bits are the frame number, the high 4 bits the id of the source, so a decoded output frame,
or a screenshot of a preview, says exactly which frame of which file it shows. Below the code the
picture is mid-gray, or a smooth colour gradient (saturated enough that a BT.601/BT.709 mix-up
shows, smooth enough that two good scalers agree on it). Audio is silent except for a 1 kHz beep
that starts at a known frame, to check sync, or any mono track the caller gives.
"""

from __future__ import annotations

import math
import re
import subprocess
import wave
from fractions import Fraction
from pathlib import Path
from typing import Literal

import av
import numpy as np
from imageio_ffmpeg import get_ffmpeg_exe

W, H = 320, 180
BLOCK = 40
BITS = 16
CODE_ROWS = 2 * BLOCK
"""Rows at the top of a frame taken by the barcode."""
AUDIO_RATE = 48_000
Picture = Literal["gray", "gradient"]
Colorspace = Literal["bt601", "bt709"] | None


def barcode_frame(number: int, source_id: int) -> np.ndarray:
    """A gray 320x180 frame with (source_id << 12 | number) drawn as 16 blocks."""
    frame = np.full((H, W), 128, dtype=np.uint8)
    draw_barcode(frame, number, source_id)
    return frame


def draw_barcode(frame: np.ndarray, number: int, source_id: int) -> None:
    """Draw (source_id << 12 | number) as 16 black/white blocks into the top rows of `frame`."""
    value = (source_id << 12) | number
    for bit in range(BITS):
        row, col = divmod(bit, 8)
        on = (value >> bit) & 1
        frame[row * BLOCK : (row + 1) * BLOCK, col * BLOCK : (col + 1) * BLOCK] = 255 if on else 0


def gradient_frame(number: int, source_id: int) -> np.ndarray:
    """An RGB 320x180 frame: the barcode over a smooth colour gradient that depends on the source."""
    y, x = np.mgrid[0:H, 0:W].astype(np.float64)
    u, v = x / (W - 1), (y - CODE_ROWS) / (H - CODE_ROWS - 1)
    hue = source_id * 1.7
    r = 0.5 + 0.4 * np.cos(2 * np.pi * (0.6 * u + 0.3 * v) + hue)
    g = 0.5 + 0.4 * np.cos(2 * np.pi * (0.5 * u - 0.4 * v) + hue + 2.1)
    b = 0.5 + 0.4 * np.cos(2 * np.pi * (-0.3 * u + 0.5 * v) + hue + 4.2)
    frame = np.clip(np.stack([r, g, b], axis=-1) * 255 + 0.5, 0, 255).astype(np.uint8)
    draw_barcode(frame, number, source_id)
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
    return _split(sum(1 << bit for bit in range(BITS) if levels[bit] >= 0.5))


def read_blended_barcode(
    gray: np.ndarray, t: float, tolerance: float = 0.12
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The two barcodes of a crossfade frame `(1 - t) * a + t * b`, as ((id, frame) of a,
    (id, frame) of b), or None where a block matches none of the four possible levels.

    Needs t away from 0, 0.5 and 1 (the levels 0, t, 1 - t and 1 must differ)."""
    levels = block_levels(gray)
    a = b = 0
    for bit, level in enumerate(levels):
        options = {(0, 0): 0.0, (1, 0): 1 - t, (0, 1): t, (1, 1): 1.0}
        (bit_a, bit_b), want = min(options.items(), key=lambda kv: abs(kv[1] - level))
        if abs(want - level) > tolerance:
            return None
        a |= bit_a << bit
        b |= bit_b << bit
    return _split(a), _split(b)


def _split(value: int) -> tuple[int, int]:
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


def write_wav(path: Path, mono: np.ndarray, rate: int = AUDIO_RATE) -> None:
    pcm = (np.clip(mono, -1, 1) * 32767).astype("<i2")
    stereo = np.repeat(pcm[:, None], 2, axis=1)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(stereo.tobytes())


def make_barcode_video(
    path: Path,
    *,
    fps: Fraction,
    frames: int,
    source_id: int,
    beep_frame: int | None = None,
    audio: np.ndarray | None = None,
    picture: Picture = "gray",
    colorspace: Colorspace = None,
) -> Path:
    """Encode a barcoded clip (H.264 + AAC) through FFmpeg from raw frames.

    `audio` (mono, 48 kHz) replaces the beep track. A gradient picture is converted to YUV with
    the `colorspace` matrix and tagged so, or (None) with FFmpeg's default and left untagged, as
    many real uploads are."""
    wav = path.with_suffix(".wav")
    seconds = Fraction(frames) / fps
    if audio is not None:
        write_wav(wav, audio)
    elif beep_frame is None:
        write_wav(wav, np.zeros(int(seconds * AUDIO_RATE), dtype=np.float32))
    else:
        write_wav(wav, beep_wave(seconds, Fraction(beep_frame) / fps))
    rate = f"{fps.numerator}/{fps.denominator}"
    pix_fmt = "gray" if picture == "gray" else "rgb24"
    colour: list[str] = []
    if colorspace is not None:
        tag = "smpte170m" if colorspace == "bt601" else "bt709"
        colour = ["-vf", f"scale=out_color_matrix={colorspace}:out_range=tv,format=yuv420p",
                  "-colorspace", tag, "-color_primaries", tag, "-color_trc", tag]  # fmt: skip
    cmd = [
        get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", pix_fmt, "-s", f"{W}x{H}", "-r", rate, "-i", "-",
        "-i", str(wav), "-map", "0:v", "-map", "1:a", *colour,
        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "12", "-pix_fmt", "yuv420p", "-g", "12",
        "-c:a", "aac", "-b:a", "128k", "-shortest", str(path),
    ]  # fmt: skip
    draw = barcode_frame if picture == "gray" else gradient_frame
    raw = b"".join(draw(n, source_id).tobytes() for n in range(frames))
    subprocess.run(cmd, input=raw, check=True)
    wav.unlink()
    return path


def speak(text: str, wav: Path) -> np.ndarray:
    """`text` said by espeak-ng (written to `wav`), from its first to its last loud sample, as
    float32 samples at AUDIO_RATE."""
    subprocess.run(["espeak-ng", "-w", str(wav), text], check=True)
    with wave.open(str(wav)) as w:
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768
    loud = np.flatnonzero(np.abs(pcm) > 0.02)
    pcm = pcm[loud[0] : loud[-1] + 1]
    at = np.arange(0, pcm.size * AUDIO_RATE // rate) * rate / AUDIO_RATE
    return np.interp(at, np.arange(pcm.size), pcm).astype(np.float32)


def speech_track(d: Path) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Two spoken lines (espeak-ng) between pauses, 48 kHz mono, and where the speech is (s)."""
    pauses, lines = [0.8, 1.2, 0.8], ["Hello there, my friend.", "Goodbye for now."]
    parts: list[np.ndarray] = []
    truth: list[tuple[float, float]] = []
    t = 0.0
    for i, text in enumerate(lines):
        said = speak(text, d / f"line{i}.wav")
        gap = np.zeros(int(pauses[i] * AUDIO_RATE))
        parts += [gap, said]
        t += pauses[i]
        truth.append((t, t + said.size / AUDIO_RATE))
        t += said.size / AUDIO_RATE
    parts.append(np.zeros(int(pauses[-1] * AUDIO_RATE)))
    audio = np.concatenate(parts)
    audio += np.random.default_rng(5).normal(0, 0.001, audio.size)  # a noise floor, not digital zero
    return audio.astype(np.float32), truth


def talking_clip(
    d: Path, fps: int = 30, colorspace: Colorspace = None
) -> tuple[Path, list[tuple[float, float]]]:
    """`d`/talk.mp4: a barcoded clip (source 3, smooth colour picture) that says speech_track's
    two lines between pauses, its sound padded to whole frames; and where the speech is (s)."""
    audio, speech = speech_track(d)
    frames = math.ceil(audio.size * fps / AUDIO_RATE)
    audio = np.pad(audio, (0, frames * AUDIO_RATE // fps - audio.size))
    talk = make_barcode_video(d / "talk.mp4", fps=Fraction(fps), frames=frames, source_id=3,
                              picture="gradient", colorspace=colorspace, audio=audio)  # fmt: skip
    return talk, speech


def video_frames(path: Path) -> int:
    """How many video frames FFmpeg decodes from `path`."""
    out = subprocess.run(
        [get_ffmpeg_exe(), "-hide_banner", "-i", str(path), "-map", "0:v:0", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    return int(re.findall(r"frame=\s*(\d+)", out)[-1])
