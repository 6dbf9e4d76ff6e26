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
# A still image is decided by what the file holds (never by its name): one of these codecs in an
# image container (FFmpeg's image2 demuxer or an `*_pipe` one), or a single frame without duration.
IMAGE_CODECS = frozenset({"png", "mjpeg", "webp", "bmp", "tiff", "gif"})


class MediaError(ValueError):
    """Media that cannot be used: missing, corrupt, or without a usable stream."""


def _reason(exc: av.error.FFmpegError) -> str:
    """FFmpeg's reason without the file name PyAV appends (an absolute server path)."""
    return str(exc.strerror or type(exc).__name__)


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
        raise MediaError(f"{path.name}: no such file")
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
        raise MediaError(f"{path.name}: not a readable media file ({_reason(exc)})") from exc


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
    demuxer = container.format.name
    still = demuxer == "image2" or demuxer.endswith("_pipe") or (video.frames <= 1 and duration <= 0)
    is_image = video.codec_context.name in IMAGE_CODECS and still and video.frames <= 1 and audio is None
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


def verify_decodes(path: Path) -> None:
    """Decode the first frame of each stream: a file whose header parses but whose data is
    garbage (a truncated or corrupt upload) fails here, at upload time, not in a render."""
    try:
        with av.open(str(path)) as container:
            for stream in (*container.streams.video[:1], *container.streams.audio[:1]):
                container.seek(0)
                if next(container.decode(stream), None) is None:
                    raise MediaError(f"{path.name}: the {stream.type} stream has no decodable frames")
    except av.error.FFmpegError as exc:
        raise MediaError(f"{path.name}: the media data is corrupt ({_reason(exc)})") from exc


def make_proxy(src: Path, dst: Path, *, height: int = 720) -> Path:
    """A small H.264/AAC MP4 for smooth browser preview: at most `height` lines (never upscaled),
    a keyframe every half second so scrubbing seeks fast, +faststart so playback starts at once.

    Its pixels are coded with the BT.601 matrix (BT.709 primaries and transfer), tagged so in the
    stream and in a `colr` box. Chromium without GPU compositing (headless, many VMs and remote
    desktops) converts every video to RGB with BT.601 whatever its tags say: a BT.709 proxy showed
    greener, brighter colours there than the export (PSNR 29 dB on a smooth gradient against 39 dB
    for BT.601). Browsers that honour the tags convert this proxy correctly too, so the preview
    shows the export's colours everywhere. The input's own matrix is read from its tags (BT.601
    when untagged, as the export assumes)."""
    run_ffmpeg(
        ["-y", "-i", str(src), "-map", "0:v:0", "-map", "0:a:0?",
         "-vf", f"scale=-2:'min({height},ih)':flags=bicubic:out_color_matrix=bt601:out_range=tv,"
                "format=yuv420p",
         "-c:v", "libx264", "-preset", "veryfast", "-crf", "26", "-profile:v", "high",
         "-force_key_frames", "expr:gte(t,n_forced*0.5)",
         "-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2",
         "-colorspace", "smpte170m", "-color_primaries", "bt709", "-color_trc", "bt709",
         "-color_range", "tv", "-movflags", "+faststart+write_colr", str(dst)]
    )  # fmt: skip
    return dst


def make_thumbnails(src: Path, dst: Path, *, duration: Fraction, count: int = 10, width: int = 160) -> Path:
    """A JPEG strip of `count` thumbnails evenly spread over the file (one image: one request)."""
    if duration <= 0:  # a still image: one thumbnail
        vf = f"scale={width}:-2"
    else:
        rate = Fraction(count) / duration
        vf = f"fps={rate.numerator}/{rate.denominator},scale={width}:-2,tile={count}x1"
    run_ffmpeg(["-y", "-i", str(src), "-an", "-vf", vf, "-frames:v", "1", "-q:v", "4", str(dst)])
    return dst


def waveform_peaks(src: Path, *, sample_rate: int = 8000, samples_per_pixel: int = 80) -> dict[str, object]:
    """Min/max peaks of the mixed-down audio in BBC audiowaveform's JSON format (version 2,
    8-bit), which peaks.js and similar players read directly: 100 pairs per second by default."""
    import numpy as np

    proc = run_ffmpeg(["-i", str(src), "-vn", "-ac", "1", "-ar", str(sample_rate), "-f", "f32le", "-"])
    samples = np.frombuffer(proc.stdout, dtype="<f4")
    n = -(-samples.size // samples_per_pixel)
    padded = np.zeros(n * samples_per_pixel, dtype=np.float32)
    padded[: samples.size] = samples
    blocks = padded.reshape(n, samples_per_pixel) if n else padded.reshape(0, samples_per_pixel)
    lo = np.clip(np.round(blocks.min(axis=1, initial=0.0) * 127), -128, 127).astype(int)
    hi = np.clip(np.round(blocks.max(axis=1, initial=0.0) * 127), -128, 127).astype(int)
    data = np.empty(2 * n, dtype=int)
    data[0::2], data[1::2] = lo, hi
    return {
        "version": 2,
        "channels": 1,
        "sample_rate": sample_rate,
        "samples_per_pixel": samples_per_pixel,
        "bits": 8,
        "length": int(n),
        "data": data.tolist(),
    }
