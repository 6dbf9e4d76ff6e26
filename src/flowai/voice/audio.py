"""Decode any upload to mono float samples with the project's FFmpeg, and write WAV.

Uploads come from browsers (webm/ogg from MediaRecorder), phones (m4a) and desktops (wav, mp3);
one FFmpeg binary (from the ``imageio-ffmpeg`` wheel) decodes them all. The container is
sniffed from the bytes, never trusted from the file name, so a text file renamed ``.wav`` is
refused before FFmpeg sees it.
"""

from __future__ import annotations

import re
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import filetype
import imageio_ffmpeg
import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.float32]

#: Containers a creator may upload (the issue's list), keyed by what ``filetype`` sniffs.
ACCEPTED_FORMATS: dict[str, str] = {
    "wav": "WAV",
    "mp3": "MP3",
    "m4a": "M4A",
    "mp4": "M4A",
    "ogg": "Ogg",
    "webm": "WebM",
    "flac": "FLAC",
}


class AudioFormatError(ValueError):
    """The bytes are not audio in a format we accept (or FFmpeg cannot decode them)."""


@dataclass(frozen=True)
class Audio:
    """Mono float32 samples in [-1, 1] at ``sample_rate``."""

    samples: Samples
    sample_rate: int

    @property
    def seconds(self) -> float:
        return float(self.samples.size) / self.sample_rate


def sniff_format(head: bytes) -> str:
    """Return the container name (a key of ``ACCEPTED_FORMATS``) or raise AudioFormatError."""
    kind = filetype.guess(head)
    if kind is None or kind.extension not in ACCEPTED_FORMATS:
        found = "plain text" if _looks_like_text(head) else (kind.mime if kind else "unknown data")
        accepted = ", ".join(sorted({v for v in ACCEPTED_FORMATS.values()}))
        raise AudioFormatError(
            f"The file is not audio (it contains {found}). Upload a recording in one of: {accepted}."
        )
    return str(kind.extension)


def _looks_like_text(head: bytes) -> bool:
    try:
        head[:512].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def ffmpeg_exe() -> str:
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def decode(path: Path, sample_rate: int | None = None) -> Audio:
    """Decode ``path`` to mono float32, resampled to ``sample_rate`` (None: keep the native rate).

    The native rate matters for the clipping check: resampling smooths flat-topped peaks.
    """
    with path.open("rb") as fh:
        sniff_format(fh.read(4096))
    args = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-i", str(path), "-vn", "-ac", "1"]
    if sample_rate is not None:
        args += ["-ar", str(sample_rate)]
    args += ["-f", "f32le", "-acodec", "pcm_f32le", "pipe:1"]
    proc = subprocess.run(args, capture_output=True, check=False)
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        last = stderr.strip().splitlines()[-1:] or ["no output"]
        raise AudioFormatError(f"The audio could not be decoded ({last[0]}). Re-export the file.")
    rate = sample_rate if sample_rate is not None else _output_rate(stderr)
    samples = np.frombuffer(proc.stdout, dtype=np.float32).copy()
    if samples.size == 0:
        raise AudioFormatError("The file holds no audio samples.")
    return Audio(samples=samples, sample_rate=rate)


def decode_bytes(data: bytes, sample_rate: int | None = None, *, suffix: str = "") -> Audio:
    """Decode in-memory audio (an engine's response) through a temporary file.

    A file, not a pipe: MP4/M4A keep their index at the end and cannot be read from a pipe.
    """
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        tmp.write(data)
        tmp.flush()
        return decode(Path(tmp.name), sample_rate)


def _output_rate(stderr: str) -> int:
    out = stderr.split("Output #0", 1)[-1]
    match = re.search(r"(\d+) Hz", out)
    if match is None:
        raise AudioFormatError("FFmpeg did not report a sample rate for the audio.")
    return int(match.group(1))


def resample(audio: Audio, sample_rate: int) -> Audio:
    """High-quality resampling (soxr) for audio already in memory."""
    if audio.sample_rate == sample_rate:
        return audio
    import soxr

    out = soxr.resample(audio.samples, audio.sample_rate, sample_rate)
    return Audio(samples=np.asarray(out, dtype=np.float32), sample_rate=sample_rate)


def to_wav_bytes(audio: Audio) -> bytes:
    """16-bit PCM WAV, the format every player and FFmpeg read."""
    import io

    pcm = np.clip(audio.samples, -1.0, 1.0)
    ints = (pcm * 32767.0).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(audio.sample_rate)
        wav.writeframes(ints.tobytes())
    return buf.getvalue()


def write_wav(path: Path, audio: Audio) -> None:
    path.write_bytes(to_wav_bytes(audio))
