"""Transcripts, captions and text-based editing over HTTP (thin: see captions_service.py).

The routes are added to the editor's router (editor.api imports this module at its end), so they
share its /v1 prefix, its tag and the app's `editor` feature switch.

Scopes: `read` for transcripts, filler suggestions and caption downloads; `editor:write` to
transcribe, cut and make captions. Edits save a new project version (If-Match as for timelines).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Query, Response

from flowai.core.auth import Principal
from flowai.core.deps import DB, Ctx, Reader, Tenant, require
from flowai.core.errors import not_found
from flowai.core.jobs_api import job_out
from flowai.core.schemas import JobOut
from flowai.editor import captions_service as cs
from flowai.editor import service
from flowai.editor.api import project_out, router  # these routes join the editor's router
from flowai.editor.schemas import (
    CaptionsIn,
    CutIn,
    FillersOut,
    FindingOut,
    ProjectOut,
    ProjectTranscriptOut,
    TimelineWordOut,
    TranscriptOut,
    WordOut,
)
from flowai.editor.timeline import format_rate, parse_rate

Editor = Annotated[Principal, require("editor:write")]
IfMatch = Annotated[str | None, Header(description='The project\'s ETag, e.g. "3"')]
Version = Annotated[int | None, Query(ge=1)]
IdempotencyKey = Annotated[str | None, Header(max_length=200)]


@router.post("/assets/{asset_id}/transcribe", status_code=202, response_model=JobOut)
def transcribe(
    asset_id: str,
    response: Response,
    principal: Editor,
    ctx: Ctx,
    s: DB,
    idempotency_key: IdempotencyKey = None,
) -> JobOut:
    """Transcribe the asset's speech as a job (words with times); a stored transcript is reused."""
    asset = service.get_asset(s, principal, asset_id)
    job = cs.start_transcribe(s, ctx, principal, asset, idempotency_key=idempotency_key)
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return job_out(job)


@router.get("/assets/{asset_id}/transcript", response_model=TranscriptOut)
def get_transcript(asset_id: str, principal: Reader, ctx: Ctx, s: DB) -> TranscriptOut:
    """The asset's words (seconds); 404 until a transcribe job finished."""
    asset = service.get_asset(s, principal, asset_id)
    row = cs.get_transcript(s, asset, cs.model_name(ctx)) or cs.get_transcript(s, asset)
    if row is None:
        raise not_found("Transcript")
    return TranscriptOut(id=row.id, asset_id=row.asset_id, model=row.model, language=row.language,
                         duration_ms=row.duration_ms, words=[WordOut(**w) for w in row.words],
                         created_at=row.created_at)  # fmt: skip


@router.get("/projects/{project_id}/transcript", response_model=ProjectTranscriptOut)
def project_transcript(
    project_id: str, principal: Reader, ctx: Ctx, tenant: Tenant, s: DB
) -> ProjectTranscriptOut:
    """The words heard on the timeline, in timeline frames (cuts, trims and rates applied)."""
    project = service.get_project(s, principal, project_id)
    checked, words, missing = cs.project_words(s, ctx, principal, project, tenant_id=tenant.id)
    return ProjectTranscriptOut(fps=format_rate(checked.timeline.canvas.fps),
                                words=[TimelineWordOut(**w.as_json()) for w in words], missing=missing)  # fmt: skip


@router.post("/projects/{project_id}/transcript/cut", response_model=ProjectOut)
def cut(
    project_id: str, body: CutIn, response: Response, principal: Editor, tenant: Tenant, s: DB,
    if_match: IfMatch = None, version: Version = None,
) -> ProjectOut:  # fmt: skip
    """Ripple the given frame ranges (deleted words, fillers, pauses) out of every track as one
    new version."""
    project = service.get_project(s, principal, project_id)
    expected = service.parse_version(if_match, version) if (if_match or version) else project.version
    checked = cs.cut(s, principal, project, tenant_id=tenant.id, ranges=[(c.start, c.end) for c in body.cuts])
    return project_out(service.save_timeline(s, project, checked, expected_version=expected), response)


@router.get("/projects/{project_id}/fillers", response_model=FillersOut)
def fillers(
    project_id: str, principal: Reader, ctx: Ctx, tenant: Tenant, s: DB,
    pause_seconds: Annotated[float, Query(ge=0.2, le=30)] = 1.0,
    keep_seconds: Annotated[float, Query(ge=0, le=5)] = 0.25,
) -> FillersOut:  # fmt: skip
    """Filler words (um, uh, erm, you know), repeated words and pauses over `pause_seconds`
    (shortened to `keep_seconds`), as cuts to preview and apply."""
    project = service.get_project(s, principal, project_id)
    found = cs.fillers(s, ctx, principal, project, tenant_id=tenant.id, pause_seconds=pause_seconds,
                       keep_seconds=keep_seconds)  # fmt: skip
    fps = str((project.timeline.get("canvas") or {}).get("fps", "30"))
    return FillersOut(fps=format_rate(parse_rate(fps)), findings=[FindingOut(**f.as_json()) for f in found])


@router.post("/projects/{project_id}/captions", response_model=ProjectOut)
def make_captions(
    project_id: str, body: CaptionsIn, response: Response, principal: Editor, ctx: Ctx, tenant: Tenant,
    s: DB, if_match: IfMatch = None, version: Version = None,
) -> ProjectOut:  # fmt: skip
    """Make the caption track from the transcripts of the clips on the timeline (409 when none
    is transcribed) and save it as a new version; edit lines afterwards with PUT …/timeline."""
    project = service.get_project(s, principal, project_id)
    expected = service.parse_version(if_match, version) if (if_match or version) else project.version
    checked = cs.generate_captions(s, ctx, principal, project, tenant_id=tenant.id, style=body.style,
                                   karaoke=body.karaoke)  # fmt: skip
    return project_out(service.save_timeline(s, project, checked, expected_version=expected), response)


@router.get("/projects/{project_id}/captions.{fmt}")
def caption_file(
    project_id: str, fmt: cs.CaptionFormat, principal: Reader, tenant: Tenant, s: DB
) -> Response:
    """The caption track as SubRip (.srt), WebVTT (.vtt) or the ASS document the export burns in."""
    project = service.get_project(s, principal, project_id)
    text = cs.caption_file(s, principal, project, fmt, tenant_id=tenant.id)
    return Response(text, media_type=cs.MEDIA_TYPES[fmt] + "; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{project.id}.{fmt}"'})  # fmt: skip
