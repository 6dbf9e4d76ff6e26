"""Editor tables: uploaded media assets, projects (a timeline + its version) and exports.

All three are tenant-owned, so every query on them goes through the tenant guard (and row-level
security on PostgreSQL). Media positions stay exact: a rate is kept as the string ratio
"30000/1001", lengths as integer frames (audio: microseconds).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from flowai.core.db import Base, TenantOwned, utcnow
from flowai.core.ids import new_id


class Asset(TenantOwned, Base):
    """An uploaded media file, what probing found, and the derived files the editor previews."""

    __tablename__ = "editor_assets"

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # video | audio | image
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(512), unique=True)
    duration_us: Mapped[int] = mapped_column(BigInteger)
    fps: Mapped[str] = mapped_column(String(32))  # "30000/1001"; "1/1" for images, "0/1" for audio
    frames: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    video_codec: Mapped[str | None] = mapped_column(String(32))
    audio_codec: Mapped[str | None] = mapped_column(String(32))
    audio_channels: Mapped[int] = mapped_column(Integer)
    audio_rate: Mapped[int] = mapped_column(Integer)
    proxy_key: Mapped[str | None] = mapped_column(String(512))
    thumbnails_key: Mapped[str | None] = mapped_column(String(512))
    waveform_key: Mapped[str | None] = mapped_column(String(512))
    jobs: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # derivative name → job id
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Project(TenantOwned, Base):
    """An edit: the timeline JSON and a version that every write must name (optimistic locking)."""

    __tablename__ = "editor_projects"

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    timeline: Mapped[dict[str, Any]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Export(TenantOwned, Base):
    """One render of one project version to an MP4; `job_id` is the job the client follows."""

    __tablename__ = "editor_exports"
    __table_args__ = (UniqueConstraint("tenant_id", "owner_id", "idempotency_key"),)

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    project_id: Mapped[str] = mapped_column(ForeignKey("editor_projects.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    project_version: Mapped[int] = mapped_column(Integer)
    timeline: Mapped[dict[str, Any]] = mapped_column(JSON)  # the exact document rendered
    preset: Mapped[str] = mapped_column(String(16))
    quality: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    job_id: Mapped[str | None] = mapped_column(String(26), index=True)
    segments: Mapped[list[list[int]]] = mapped_column(JSON, default=list)  # [[start, end], …] frames
    output_key: Mapped[str | None] = mapped_column(String(512))
    size: Mapped[int | None] = mapped_column(BigInteger)
    frames: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class Transcript(TenantOwned, Base):
    """The words spoken in one asset, as one Whisper model heard them (reused, never redone).

    `words` is a list of {text, start, end, probability}, times in seconds of the asset (rounded
    to milliseconds) after the boundaries were snapped to the waveform."""

    __tablename__ = "editor_transcripts"
    __table_args__ = (UniqueConstraint("asset_id", "model"),)

    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    asset_id: Mapped[str] = mapped_column(ForeignKey("editor_assets.id", ondelete="CASCADE"), index=True)
    model: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(16), default="en")
    duration_ms: Mapped[int] = mapped_column(BigInteger)
    words: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
