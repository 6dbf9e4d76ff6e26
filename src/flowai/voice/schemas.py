"""Request and response types of the voice API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

ProfileStatus = Literal["none", "processing", "ready", "failed"]
AudioFormat = Literal["wav", "mp3"]


class Quality(BaseModel):
    """How the new voice came out on fixed sentences none of the uploads contain."""

    similarity: float = Field(description="Cosine of speaker embeddings, clone vs the upload (1 = same)")
    base_similarity: float = Field(description="The same for the engine's default voice: the baseline")
    wer: float = Field(description="Word error rate of an offline recogniser on the clone's speech")
    sentences: list[str]
    transcript: str


class CloneOut(BaseModel):
    id: str
    status: str
    engine: str
    voice_id: str | None = Field(description="The engine's voice id (what POST /v1/tts takes)")
    job_id: str | None
    report: dict[str, Any] = Field(description="What the upload checks measured")
    quality: Quality | None
    metrics: dict[str, Any]
    consent_statement: str
    consent_at: datetime
    error: str | None
    error_code: str | None
    created_at: datetime
    ready_at: datetime | None
    progress: int | None = Field(
        None, description="While processing: the clone job's progress, 0 to 100 (else null)"
    )
    stage: str | None = Field(
        None,
        description="While processing: the clone job's stage (queued, checking the recording, "
        "building your voice, checking quality, saving); else null",
    )


class VoiceOut(BaseModel):
    """The caller's voice: the profile's two columns plus the clone behind them."""

    status: ProfileStatus
    voice_id: str | None
    engine: str
    clone: CloneOut | None = Field(description="The active clone (ready), else the latest attempt")
    last_attempt: CloneOut | None = Field(description="The most recent cloning attempt, whatever its end")


class TtsIn(BaseModel):
    text: str = Field(min_length=1, description="What to say (long text becomes a job)")
    voice: str = Field("me", max_length=200, description='"me", "default" or a voice id of yours')
    format: AudioFormat = "wav"


class NarrationOut(BaseModel):
    id: str
    status: str
    engine: str
    voice: str
    format: str
    text: str
    job_id: str | None
    file_id: str | None
    download_url: str | None
    seconds: float | None
    wer: float | None = Field(description="Word error rate of the kept audio")
    wer_passed: bool | None = Field(description="Whether it met FLOWAI_VOICE_TTS_MAX_WER")
    attempts: int = Field(description="1, or 2 when the first try missed the threshold and was regenerated")
    scores: list[float] = Field(description="Word error rate of every attempt")
    transcript: str | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None
