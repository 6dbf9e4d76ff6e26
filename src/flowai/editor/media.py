"""FFmpeg and probing helpers shared by render, segments and Magic Cut.

Rendering always uses the static FFmpeg 9 from the imageio-ffmpeg wheel (Debian's 5.1 adds a
frame after xfade). That build has no ffprobe, so probing uses PyAV, which bundles its own
FFmpeg libraries and reads container metadata without spawning a process.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from pathlib import Path

import av
import imageio_ffmpeg

from flowai.editor.timeline import AssetInfo, AssetKind

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}


class MediaError(ValueError):
    """Media that cannot be used: missing, corrupt, or without a usable stream."""


class FFmpegError(RuntimeError):
    """FFmpeg exited with an error; `stderr_tail` holds its last lines."""

    def __init__(self, message: str, stderr_tail: str = "") -> None:
        self.stderr_tail = stderr_tail
        super().__init__(f"{message}\n{stderr_tail}".rstrip())


@cache
def ffmpeg_exe() -> str:
    """Path of the FFmpeg binary shipped in the imageio-ffmpeg wheel."""
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def run_ffmpeg(args: list[str], *, timeout: float | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run FFmpeg quietly; raise FFmpegError with its stderr tail on failure."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", *args]
    proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        tail = proc.stderr.decode(errors="replace")[-4000:]
        raise FFmpegError(f"ffmpeg exited with {proc.returncode}", tail)
    return proc


def seconds_arg(value: Fraction) -> str:
    """A time for FFmpeg's command line, rounded *down* to the microsecond.

    FFmpeg keeps times in microseconds; rounding down means a seek to frame N never lands after
    frame N's timestamp and so never skips it.
    """
    micros = (value.numerator * 1_000_000) // value.denominator
    sign = "-" if micros < 0 else ""
    micros = abs(micros)
    return f"{sign}{micros // 1_000_000}.{micros % 1_000_000:06d}"


@dataclass(frozen=True)
class MediaInfo:
    """What probing a file found."""

    path: Path
    kind: AssetKind
    duration: Fraction
    """Seconds."""
    fps: Fraction
    frames: int
    width: int
    height: int
    video_codec: str | None
    audio_codec: str | None
    audio_channels: int
    audio_rate: int

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None

    def asset(self, tenant_id: str) -> AssetInfo:
        """This file as a timeline asset owned by `tenant_id`."""
        if self.kind == "audio":
            # Audio has no frames: count milliseconds so the resolver's contract still holds.
            frames, fps = int(self.duration * 1000), Fraction(1000)
        else:
            frames, fps = self.frames, self.fps
        return AssetInfo(
            tenant_id=tenant_id,
            path=self.path,
            duration_frames=frames,
            fps=fps,
            width=self.width,
            height=self.height,
            has_audio=self.has_audio,
            kind=self.kind,
        )


def probe(path: Path) -> MediaInfo:
    """Probe a media file with PyAV; raise MediaError for corrupt or unsupported input."""
    if not path.is_file():
        raise MediaError(f"{path}: no such file")
    try:
        with av.open(str(path)) as container:
            video = container.streams.video[0] if container.streams.video else None
            audio = container.streams.audio[0] if container.streams.audio else None
            if video is None and audio is None:
                raise MediaError(f"{path.name}: no audio or video stream")
            duration = Fraction(container.duration or 0, 1_000_000)
            if video is not None:
                return _probe_video(path, container, video, audio, duration)
            assert audio is not None
            if audio.duration is not None and audio.time_base is not None:
                duration = Fraction(audio.duration) * audio.time_base
            if duration <= 0:
                raise MediaError(f"{path.name}: audio stream has no duration")
            return MediaInfo(
                path=path,
                kind="audio",
                duration=duration,
                fps=Fraction(0),
                frames=0,
                width=0,
                height=0,
                video_codec=None,
                audio_codec=audio.codec_context.name,
                audio_channels=audio.codec_context.channels,
                audio_rate=audio.codec_context.sample_rate,
            )
    except av.error.FFmpegError as exc:
        raise MediaError(f"{path.name}: not a readable media file ({exc})") from exc


def _probe_video(
    path: Path,
    container: av.container.InputContainer,
    video: av.VideoStream,
    audio: av.AudioStream | None,
    duration: Fraction,
) -> MediaInfo:
    width, height = video.codec_context.width, video.codec_context.height
    if not width or not height:
        raise MediaError(f"{path.name}: video stream has no picture size")
    is_image = (
        path.suffix.lower() in IMAGE_SUFFIXES
        or video.codec_context.name
        in {
            "png",
            "mjpeg",
            "webp",
            "bmp",
            "tiff",
        }
        and (video.frames <= 1 and duration <= 0)
    )
    if is_image:
        return MediaInfo(path, "image", Fraction(0), Fraction(1), 1, width, height,
                         video.codec_context.name, None, 0, 0)  # fmt: skip
    rate = video.average_rate or video.guessed_rate
    if not rate:
        raise MediaError(f"{path.name}: video stream has no frame rate")
    fps = Fraction(rate.numerator, rate.denominator)
    if video.duration is not None and video.time_base is not None:
        duration = Fraction(video.duration) * video.time_base
    frames = video.frames or round(duration * fps)
    if frames <= 0:
        raise MediaError(f"{path.name}: video stream has no frames")
    return MediaInfo(
        path=path,
        kind="video",
        duration=duration,
        fps=fps,
        frames=frames,
        width=width,
        height=height,
        video_codec=video.codec_context.name,
        audio_codec=audio.codec_context.name if audio else None,
        audio_channels=audio.codec_context.channels if audio else 0,
        audio_rate=audio.codec_context.sample_rate if audio else 0,
    )
