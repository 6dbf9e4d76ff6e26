"""Request and response types of the editor API (the timeline document itself is timeline.Timeline)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

ExportPreset = Literal["720p", "1080p", "4k", "canvas"]
ExportQuality = Literal["draft", "standard", "high", "lossless"]
InterchangeFormat = Literal["otio", "fcpxml", "edl"]


class AssetOut(BaseModel):
    """An uploaded media file with what probing found; derived files appear as their jobs finish."""

    id: str
    kind: str = Field(description="video, audio or image")
    filename: str
    content_type: str
    size: int
    fps: str = Field(description='Frame rate as a ratio ("30000/1001"); "0/1" for audio, "1/1" for images')
    frames: int = Field(description="Video frames at `fps` (1 for images, 0 for audio)")
    duration_us: int = Field(description="Duration in microseconds (0 for images)")
    width: int
    height: int
    video_codec: str | None
    audio_codec: str | None
    audio_channels: int
    audio_rate: int
    download_url: str
    proxy_url: str | None = Field(description="720p H.264 preview, once the proxy job finished")
    thumbnails_url: str | None = Field(description="JPEG strip of 10 thumbnails (one for images)")
    waveform_url: str | None = Field(description="Peaks JSON (BBC audiowaveform format, version 2)")
    jobs: dict[str, str] = Field(description="Derived file → id of the job making it")
    created_at: datetime


class ProjectIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    timeline: dict[str, Any] | None = Field(
        None, description="A timeline document (see GET /v1/editor/timeline-schema); default: empty 1080p30"
    )


class ProjectSummary(BaseModel):
    id: str
    name: str
    version: int
    created_at: datetime
    updated_at: datetime


class ProjectOut(ProjectSummary):
    timeline: dict[str, Any]


class ExportIn(BaseModel):
    preset: ExportPreset = Field("1080p", description="Output size; canvas keeps the timeline's size")
    quality: ExportQuality = "standard"


class ExportOut(BaseModel):
    id: str
    project_id: str
    project_version: int
    preset: str
    quality: str
    status: str = Field(description="queued, running, succeeded, failed or cancelled")
    job_id: str | None
    segments: int = Field(description="Render jobs the video was split into (1: one job)")
    frames: int | None
    size: int | None
    error: str | None
    download_url: str | None = Field(description="Signed, expiring URL of the MP4 once it exists")
    created_at: datetime
    finished_at: datetime | None


class MagicCutIn(BaseModel):
    threshold: float = Field(0.5, gt=0, lt=1, description="Speech probability above which a window is speech")
    min_silence: float = Field(0.3, ge=0.05, le=10, description="Seconds; shorter pauses stay")
    padding: float = Field(0.1, ge=0, le=5, description="Seconds of sound kept around speech")
    scenes: Literal["scdet", "histogram", "none"] = Field(
        "scdet", description="scdet: hard cuts (fast); histogram: also dissolves"
    )


class MagicCutApplyIn(BaseModel):
    job_id: str = Field(description="A finished Magic Cut job (POST /v1/assets/{id}/magic-cut)")
    track_id: str | None = Field(None, description="Video track to cut; default: the first with the asset")


class JobAccepted(BaseModel):
    """Answer of a request that started background work; follow `Location` (the job)."""

    job_id: str
    status: str


# --- transcripts, captions and text-based editing ----------------------------------------------


class WordOut(BaseModel):
    """A transcript word in seconds of its asset."""

    text: str
    start: float = Field(description="Seconds from the start of the asset")
    end: float
    probability: float = Field(description="Whisper's confidence, 0-1")


class TranscriptOut(BaseModel):
    """The words spoken in an asset."""

    id: str
    asset_id: str
    model: str = Field(description="The faster-whisper model that heard them, e.g. tiny.en")
    language: str
    duration_ms: int
    words: list[WordOut]
    created_at: datetime


class TimelineWordOut(BaseModel):
    """A transcript word where the timeline plays it."""

    text: str
    start: int = Field(description="First timeline frame of the word")
    end: int = Field(description="Timeline frame after the word (exclusive)")
    probability: float
    asset_id: str
    clip_id: str = Field(description="The clip that plays it")
    index: int = Field(description="Position of the word in its asset's transcript")


class ProjectTranscriptOut(BaseModel):
    """The words heard on a project's timeline, in timeline frames at `fps`."""

    fps: str = Field(description='The canvas rate, e.g. "30000/1001"')
    words: list[TimelineWordOut]
    missing: list[str] = Field(description="Sound assets on the timeline without a transcript yet")


class CutRange(BaseModel):
    start: int = Field(ge=0, description="First timeline frame removed")
    end: int = Field(gt=0, description="Timeline frame after the last one removed")


class CutIn(BaseModel):
    """Frames to ripple out of every track as one edit (e.g. the selected words' start/end)."""

    cuts: list[CutRange] = Field(min_length=1, max_length=10_000)


class FindingOut(BaseModel):
    kind: Literal["filler", "repeat", "pause"]
    text: str = Field(description='What was found: "um", "you know", a repeated word, "1.4 s pause"')
    start: int = Field(description="First timeline frame the suggested cut removes")
    end: int = Field(description="Timeline frame after the suggested cut")


class FillersOut(BaseModel):
    """Suggested cuts; apply them all with POST …/transcript/cut."""

    fps: str
    findings: list[FindingOut]


class CaptionsIn(BaseModel):
    """Make the caption track from the transcripts of the clips on the timeline (replaces it)."""

    style: Literal["classic", "boxed", "bold", "top"] = "classic"
    karaoke: bool = Field(False, description="Highlight the word being spoken")
