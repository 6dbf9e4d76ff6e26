"""The editor's HTTP API (thin: the logic is in service.py, the work in tasks.py).

Scopes: `read` for reads, `editor:write` for assets, projects, timelines and Magic Cut,
`exports:write` for exports. Another user's or tenant's rows answer 404, exactly like missing ones.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response

from flowai.core.auth import Principal
from flowai.core.deps import DB, Ctx, Reader, Tenant, require
from flowai.core.jobs_api import job_out
from flowai.core.pagination import page
from flowai.core.schemas import JobOut, Page
from flowai.core.uploads import body_chunks, read_limited
from flowai.editor import otio as interchange
from flowai.editor import service
from flowai.editor.models import Asset, Export, Project
from flowai.editor.schemas import (
    AssetOut,
    ExportIn,
    ExportOut,
    InterchangeFormat,
    MagicCutApplyIn,
    MagicCutIn,
    ProjectIn,
    ProjectOut,
    ProjectSummary,
)
from flowai.editor.timeline import Timeline

Editor = Annotated[Principal, require("editor:write")]
Exporter = Annotated[Principal, require("exports:write")]
Limit = Annotated[int, Query(ge=1, le=100)]
IfMatch = Annotated[str | None, Header(description='The project\'s ETag, e.g. "3"')]
IdempotencyKey = Annotated[str | None, Header(max_length=200)]
router = APIRouter(prefix="/v1", tags=["editor"])
MEDIA_TYPES = {"otio": "application/json", "fcpxml": "application/xml", "edl": "text/plain"}
SUFFIXES = {"otio": "otio", "fcpxml": "xml", "edl": "edl"}


def asset_out(ctx: Ctx, row: Asset) -> AssetOut:
    def url(key: str | None, name: str) -> str | None:
        return ctx.storage.download_url(key, filename=name) if key else None

    return AssetOut(
        **{f: getattr(row, f) for f in AssetOut.model_fields if hasattr(row, f) and not f.endswith("_url")},
        download_url=ctx.storage.download_url(row.storage_key, filename=row.filename),
        proxy_url=url(row.proxy_key, "proxy.mp4"),
        thumbnails_url=url(row.thumbnails_key, "thumbnails.jpg"),
        waveform_url=url(row.waveform_key, "waveform.json"),
    )


def project_out(row: Project, response: Response | None = None) -> ProjectOut:
    if response is not None:
        response.headers["ETag"] = f'"{row.version}"'
    return ProjectOut.model_validate(row, from_attributes=True)


def export_out(ctx: Ctx, s: DB, row: Export) -> ExportOut:
    status = service.export_status(s, row)
    url = None
    if status == "succeeded" and row.output_key:
        url = ctx.storage.download_url(row.output_key, filename=service.output_filename(row))
    return ExportOut(
        id=row.id, project_id=row.project_id, project_version=row.project_version, preset=row.preset,
        quality=row.quality, status=status, job_id=row.job_id, segments=len(row.segments),
        frames=row.frames, size=row.size, error=row.error, download_url=url,
        created_at=row.created_at, finished_at=row.finished_at,
    )  # fmt: skip


# --- assets ----------------------------------------------------------------------------------------


@router.post("/assets", status_code=201, response_model=AssetOut)
async def upload_asset(
    request: Request,
    response: Response,
    principal: Editor,
    ctx: Ctx,
    tenant: Tenant,
    s: DB,
    filename: Annotated[str, Query(max_length=255)] = "media",
) -> AssetOut:
    """Stream the raw body to storage, probe it (415/422 with the reason for unusable media, and
    nothing kept), then queue thumbnails, waveform peaks and a 720p proxy as jobs."""

    row = await service.create_asset(
        s, ctx, principal, tenant_id=tenant.id, filename=filename, chunks=body_chunks(request)
    )
    response.headers["Location"] = f"/v1/assets/{row.id}"
    return asset_out(ctx, row)


@router.get("/assets", response_model=Page[AssetOut])
def list_assets(
    principal: Reader, ctx: Ctx, s: DB, limit: Limit = 20, cursor: str | None = None
) -> Page[AssetOut]:
    rows, nxt = page(s, service.list_assets(principal), Asset.id, limit=limit, cursor=cursor)
    return Page(items=[asset_out(ctx, r) for r in rows], next_cursor=nxt)


@router.get("/assets/{asset_id}", response_model=AssetOut)
def get_asset(asset_id: str, principal: Reader, ctx: Ctx, s: DB) -> AssetOut:
    return asset_out(ctx, service.get_asset(s, principal, asset_id))


@router.delete("/assets/{asset_id}", status_code=204)
def delete_asset(asset_id: str, principal: Editor, ctx: Ctx, s: DB) -> Response:
    service.delete_asset(s, ctx.storage, principal, asset_id)
    return Response(status_code=204)


@router.post("/assets/{asset_id}/magic-cut", status_code=202, response_model=JobOut)
def magic_cut(
    asset_id: str, body: MagicCutIn, response: Response, principal: Editor, ctx: Ctx, s: DB,
    idempotency_key: IdempotencyKey = None,
) -> JobOut:  # fmt: skip
    """Find speech, silences and scene changes; the job's result holds them."""
    asset = service.get_asset(s, principal, asset_id)
    job = service.start_magic_cut(
        s, ctx, principal, asset, params=body.model_dump(), idempotency_key=idempotency_key
    )
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return job_out(job)


# --- projects --------------------------------------------------------------------------------------


@router.get("/editor/timeline-schema", include_in_schema=True)
def timeline_schema(_: Reader) -> dict[str, Any]:
    """The JSON schema of the timeline document (what PUT …/timeline accepts)."""
    schema: dict[str, Any] = Timeline.model_json_schema()
    return schema


@router.post("/projects", status_code=201, response_model=ProjectOut)
def create_project(
    body: ProjectIn, response: Response, principal: Editor, tenant: Tenant, s: DB
) -> ProjectOut:
    row = service.create_project(s, principal, tenant_id=tenant.id, name=body.name, timeline=body.timeline)
    response.headers["Location"] = f"/v1/projects/{row.id}"
    return project_out(row, response)


@router.get("/projects", response_model=Page[ProjectSummary])
def list_projects(
    principal: Reader, s: DB, limit: Limit = 20, cursor: str | None = None
) -> Page[ProjectSummary]:
    rows, nxt = page(s, service.list_projects(principal), Project.id, limit=limit, cursor=cursor)
    return Page(items=[ProjectSummary.model_validate(r, from_attributes=True) for r in rows], next_cursor=nxt)


@router.get("/projects/{project_id}", response_model=ProjectOut)
def get_project(project_id: str, response: Response, principal: Reader, s: DB) -> ProjectOut:
    return project_out(service.get_project(s, principal, project_id), response)


@router.delete("/projects/{project_id}", status_code=204)
def delete_project(project_id: str, principal: Editor, s: DB) -> Response:
    service.delete_project(s, principal, project_id)
    return Response(status_code=204)


@router.put("/projects/{project_id}/timeline", response_model=ProjectOut)
async def put_timeline(
    project_id: str, request: Request, response: Response, principal: Editor, tenant: Tenant, s: DB,
    if_match: IfMatch = None, version: Annotated[int | None, Query(ge=1)] = None,
) -> ProjectOut:  # fmt: skip
    """Replace the timeline (the body is the timeline document). Send the ETag you read as
    If-Match: a stale version gets 409 and the current ETag."""
    body = await read_limited(request, interchange.MAX_BYTES, "a timeline document")

    def save() -> ProjectOut:
        project = service.get_project(s, principal, project_id)
        expected = service.parse_version(if_match, version)
        checked = service.check_timeline(s, principal, body, tenant_id=tenant.id)
        return project_out(service.save_timeline(s, project, checked, expected_version=expected), response)

    # Database work off the event loop: a write that waits for SQLite's lock must not stop the
    # loop, or the request holding the lock can never commit (parallel uploads stalled 30 s).
    return await asyncio.to_thread(save)


@router.post("/projects/{project_id}/magic-cut/apply", response_model=ProjectOut)
def apply_magic_cut(
    project_id: str, body: MagicCutApplyIn, response: Response, principal: Editor, tenant: Tenant, s: DB,
    if_match: IfMatch = None, version: Annotated[int | None, Query(ge=1)] = None,
) -> ProjectOut:  # fmt: skip
    """Ripple-delete the silences a Magic Cut job found (padding kept) and save the new version."""
    project = service.get_project(s, principal, project_id)
    expected = service.parse_version(if_match, version) if (if_match or version) else project.version
    checked = service.apply_magic_cut(
        s, principal, project, tenant_id=tenant.id, job_id=body.job_id, track_id=body.track_id
    )
    return project_out(service.save_timeline(s, project, checked, expected_version=expected), response)


# --- interchange -----------------------------------------------------------------------------------


@router.get("/projects/{project_id}/export.{fmt}")
def export_interchange(
    project_id: str, fmt: InterchangeFormat, principal: Reader, tenant: Tenant, s: DB
) -> Response:
    """The timeline as OpenTimelineIO (.otio), Final Cut Pro 7 XML (.fcpxml) or CMX 3600 EDL."""
    project = service.get_project(s, principal, project_id)
    text = service.export_interchange(s, principal, project, fmt, tenant_id=tenant.id)
    name = f"{project.id}.{SUFFIXES[fmt]}"
    return Response(
        text, media_type=MEDIA_TYPES[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.post("/projects/{project_id}/import.{fmt}", response_model=ProjectOut)
async def import_interchange(
    project_id: str, fmt: InterchangeFormat, request: Request, response: Response, principal: Editor,
    tenant: Tenant, s: DB, if_match: IfMatch = None, version: Annotated[int | None, Query(ge=1)] = None,
    fps: Annotated[str | None, Query(description="An EDL's frame rate, e.g. 25 or 30000/1001 "
                                     "(default: the project's)")] = None,
) -> ProjectOut:  # fmt: skip
    """Replace the timeline with an .otio document (FCP XML and EDL are read too); media must be
    `flowai://assets/<id>` references to your assets."""
    body = await read_limited(request, interchange.MAX_BYTES, f"an .{fmt} document")

    def save() -> ProjectOut:
        project = service.get_project(s, principal, project_id)
        expected = service.parse_version(if_match, version)
        rate = service.edl_rate(project, fps)
        checked = service.import_interchange(s, principal, body, fmt, tenant_id=tenant.id, edl_rate=rate)
        return project_out(service.save_timeline(s, project, checked, expected_version=expected), response)

    return await asyncio.to_thread(save)  # off the event loop, as in put_timeline


# --- exports ---------------------------------------------------------------------------------------


@router.post("/projects/{project_id}/exports", status_code=202, response_model=ExportOut)
def create_export(
    project_id: str, body: ExportIn, response: Response, principal: Exporter, ctx: Ctx, tenant: Tenant, s: DB,
    idempotency_key: IdempotencyKey = None,
) -> ExportOut:  # fmt: skip
    """Render the current timeline to MP4 as a job: 202 with Location of the job to follow."""
    project = service.get_project(s, principal, project_id)
    row = service.create_export(
        s, ctx, principal, project, tenant_id=tenant.id, preset=body.preset, quality=body.quality,
        idempotency_key=idempotency_key,
    )  # fmt: skip
    response.headers["Location"] = f"/v1/jobs/{row.job_id}"
    return export_out(ctx, s, row)


@router.get("/projects/{project_id}/exports", response_model=Page[ExportOut])
def list_exports(
    project_id: str, principal: Reader, ctx: Ctx, s: DB, limit: Limit = 20, cursor: str | None = None
) -> Page[ExportOut]:
    project = service.get_project(s, principal, project_id)
    rows, nxt = page(s, service.list_exports(project), Export.id, limit=limit, cursor=cursor)
    return Page(items=[export_out(ctx, s, r) for r in rows], next_cursor=nxt)


@router.get("/exports/{export_id}", response_model=ExportOut)
def get_export(export_id: str, principal: Reader, ctx: Ctx, s: DB) -> ExportOut:
    """Status of an export and, once it succeeded, a fresh signed download URL."""
    return export_out(ctx, s, service.get_export(s, principal, export_id))


# --- transcripts, captions and text-based editing (captions_api.py) ------------------------------

from flowai.editor import captions_api  # noqa: E402, F401  (adds its routes to `router`)
