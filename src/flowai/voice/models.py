"""Voice tables: every cloning attempt (``voice_clones``) and every narration (``voice_narrations``).

The creator's current voice lives on ``user_profiles`` (``voice_clone_id``, ``voice_clone_status``,
the brief's two columns); these tables keep the history behind it: which engine made the voice,
the stored sample, what the upload checks measured, the consent the creator gave (statement, time,
IP), the quality numbers, and why an attempt failed. Both tables are tenant-owned.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from flowai.core.db import Base, TenantOwned, utcnow
from flowai.core.ids import new_id

#: processing → ready | failed; a ready clone later becomes replaced (a newer one took over) or
#: deleted (DELETE /v1/voice). Only ``ready`` clones speak.
CLONE_STATUSES = ("processing", "ready", "failed", "replaced", "deleted")


class VoiceClone(TenantOwned, Base):
    """One cloning attempt of one user's voice."""

    __tablename__ = "voice_clones"

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    engine: Mapped[str] = mapped_column(String(32))
    engine_voice_id: Mapped[str | None] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(16), default="processing")
    job_id: Mapped[str | None] = mapped_column(String(26), index=True)
    sample_key: Mapped[str | None] = mapped_column(String(512))
    profile_key: Mapped[str | None] = mapped_column(String(512))  # local engine: the voice profile
    sample_filename: Mapped[str] = mapped_column(String(255))
    sample_format: Mapped[str] = mapped_column(String(16))
    sample_size: Mapped[int] = mapped_column(Integer)
    sample_sha256: Mapped[str] = mapped_column(String(64))
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the upload checks' numbers
    quality: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # similarity, WER, …
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # timings, engine extras
    consent_statement: Mapped[str] = mapped_column(Text)
    consent_at: Mapped[datetime]
    consent_ip: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    ready_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]


class VoiceNarration(TenantOwned, Base):
    """Text spoken in a voice: the audio file it made and how intelligible it came out."""

    __tablename__ = "voice_narrations"

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    clone_id: Mapped[str | None] = mapped_column(ForeignKey("voice_clones.id", ondelete="SET NULL"))
    engine: Mapped[str] = mapped_column(String(32))
    voice: Mapped[str] = mapped_column(String(200))  # "default" or the engine voice id
    text: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="processing")  # processing|ready|failed
    job_id: Mapped[str | None] = mapped_column(String(26), index=True)
    file_id: Mapped[str | None] = mapped_column(ForeignKey("files.id", ondelete="SET NULL"))
    seconds: Mapped[float | None] = mapped_column(Float)
    wer: Mapped[float | None] = mapped_column(Float)
    wer_passed: Mapped[bool | None] = mapped_column(Boolean)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    scores: Mapped[list[float]] = mapped_column(JSON, default=list)  # WER of every attempt
    transcript: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
