"""Transcripts, captions and text-based editing: the domain logic behind captions_api.py.

Transcripts belong to assets (one row per asset and model, made once by the `editor.transcribe`
job and reused); everything else works on a project's timeline through captions.py, and every
change is saved as a new project version like any other edit (the client's undo steps back).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from flowai.core.auth import Principal
from flowai.core.context import AppContext
from flowai.core.errors import field_error
from flowai.core.jobs import replayed
from flowai.core.models import Job
from flowai.editor import captions, service
from flowai.editor.models import Asset, Project, Transcript
from flowai.editor.timeline import CheckedTimeline, Span
from flowai.editor.transcribe import resolve_model

CaptionFormat = Literal["srt", "vtt", "ass"]
MEDIA_TYPES = {"srt": "application/x-subrip", "vtt": "text/vtt", "ass": "text/x-ssa"}


def model_name(ctx: AppContext) -> str:
    """The Whisper model this deployment transcribes with (tiny.en when the configured one is
    not installed)."""
    return resolve_model(ctx.settings.editor_transcribe_model)


# --- transcripts -----------------------------------------------------------------------------------


def get_transcript(s: Session, asset: Asset, model: str | None = None) -> Transcript | None:
    """The asset's transcript by `model`, or (no model named) the newest one by any model."""
    stmt = select(Transcript).where(Transcript.asset_id == asset.id)
    if model is not None:
        stmt = stmt.where(Transcript.model == model)
    return s.execute(stmt.order_by(Transcript.created_at.desc()).limit(1)).scalar_one_or_none()


def start_transcribe(
    s: Session, ctx: AppContext, principal: Principal, asset: Asset, *, idempotency_key: str | None
) -> Job:
    """Queue the transcription of an asset's speech (the job reuses a stored transcript)."""
    if asset.kind == "image" or asset.audio_codec is None:
        raise field_error(422, "no-audio", "asset_id", "this asset has no audio to transcribe")
    existing = replayed(s, principal.user_id, idempotency_key)
    if existing is not None:
        return existing
    return service.enqueue(s, ctx.jobs, kind="editor.transcribe",
                           payload={"asset_id": asset.id, "model": model_name(ctx)},
                           owner_id=principal.user_id, idempotency_key=idempotency_key)  # fmt: skip


def transcripts_for(s: Session, checked: CheckedTimeline, model: str) -> dict[str, list[dict[str, Any]]]:
    """Words of every asset on the timeline that has a transcript (by `model` when there is one)."""
    ids = list(checked.assets)
    if not ids:
        return {}
    rows = s.execute(select(Transcript).where(Transcript.asset_id.in_(ids))).scalars().all()
    best: dict[str, Transcript] = {}
    for row in sorted(rows, key=lambda r: (r.model == model, r.created_at)):
        best[row.asset_id] = row
    return {asset_id: row.words for asset_id, row in best.items()}


def project_words(
    s: Session, ctx: AppContext, principal: Principal, project: Project, *, tenant_id: str
) -> tuple[CheckedTimeline, list[captions.TimelineWord], list[str]]:
    """The timeline, its words in timeline frames, and the ids of its sound assets that have no
    transcript yet."""
    checked = service.check_timeline(s, principal, project.timeline, tenant_id=tenant_id)
    found = transcripts_for(s, checked, model_name(ctx))
    missing = sorted(a for a, info in checked.assets.items()
                     if a not in found and (info.kind == "audio" or info.has_audio))  # fmt: skip
    return checked, captions.timeline_words(checked, found), missing


# --- text-based editing ------------------------------------------------------------------------------


def cut(
    s: Session, principal: Principal, project: Project, *, tenant_id: str, ranges: Sequence[tuple[int, int]]
) -> CheckedTimeline:
    """The project's timeline with frames [start, end) of each range rippled out of every track."""
    checked = service.check_timeline(s, principal, project.timeline, tenant_id=tenant_id)
    spans = []
    for n, (a, b) in enumerate(ranges):
        if not 0 <= a < b <= checked.duration:
            raise field_error(422, "validation", f"cuts.{n}",
                              f"a cut is frames [start, end) inside the timeline (0-{checked.duration})")  # fmt: skip
        spans.append(Span(a, b))
    try:
        cut_tl = captions.ripple_cut(checked, spans)
    except captions.CutRefused as exc:
        raise field_error(409, "cut-refused", "cuts", str(exc)) from exc
    return service.check_timeline(s, principal, cut_tl.model_dump(mode="json"), tenant_id=tenant_id)


def fillers(
    s: Session, ctx: AppContext, principal: Principal, project: Project, *, tenant_id: str,
    pause_seconds: float, keep_seconds: float,
) -> list[captions.Finding]:  # fmt: skip
    """Filler words, repeated words and long pauses found in the project's transcript."""
    checked, words, _missing = project_words(s, ctx, principal, project, tenant_id=tenant_id)
    return captions.find_fillers(words, checked.timeline.canvas.fps, pause_seconds=pause_seconds,
                                 keep_seconds=keep_seconds)  # fmt: skip


# --- captions ---------------------------------------------------------------------------------------


def generate_captions(
    s: Session, ctx: AppContext, principal: Principal, project: Project, *, tenant_id: str, style: str,
    karaoke: bool,
) -> CheckedTimeline:  # fmt: skip
    """The timeline with a caption track made from the transcripts of the clips under it."""
    checked, words, missing = project_words(s, ctx, principal, project, tenant_id=tenant_id)
    if not words:
        detail = ("transcribe its media first (POST /v1/assets/{id}/transcribe): " + ", ".join(missing)
                  if missing else "no words are heard on this timeline")  # fmt: skip
        raise field_error(409, "no-transcript", "project_id", detail)
    track = captions.caption_track(words, checked.timeline.canvas.fps, style=style, karaoke=karaoke)
    doc = checked.timeline.model_copy(update={"captions": track}).model_dump(mode="json")
    return service.check_timeline(s, principal, doc, tenant_id=tenant_id)


def caption_file(
    s: Session, principal: Principal, project: Project, fmt: CaptionFormat, *, tenant_id: str
) -> str:
    """The project's caption track as SubRip, WebVTT or ASS text."""
    checked = service.check_timeline(s, principal, project.timeline, tenant_id=tenant_id)
    if checked.timeline.captions is None or not checked.timeline.captions.lines:
        raise field_error(409, "no-captions", "project_id", "this project has no captions yet")
    writer = {"srt": captions.srt_document, "vtt": captions.vtt_document, "ass": captions.ass_document}[fmt]
    return writer(checked.timeline)
