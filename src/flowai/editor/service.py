"""Editor domain logic: assets, projects and their timelines, exports, Magic Cut, interchange.

No HTTP here: functions take a tenant-bound session, the caller and plain values, and raise
`Problem` for what the client must fix. Jobs are added to the caller's transaction and handed to
the broker only after it commits, so a worker never sees a job whose rows are not there yet.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from flowai.core.auth import Principal
from flowai.core.context import AppContext
from flowai.core.db import utcnow
from flowai.core.errors import Problem, field_error, not_found
from flowai.core.ids import new_id
from flowai.core.images import ImageRejected, check_image
from flowai.core.jobs import JobQueue, replayed
from flowai.core.models import Job
from flowai.core.storage import LocalStorage, S3Storage, TooLarge
from flowai.core.uploads import ALLOWED, safe_filename, sniff
from flowai.editor import otio as interchange
from flowai.editor.magic_cut import apply_cuts
from flowai.editor.media import MediaError, MediaInfo, probe, verify_decodes
from flowai.editor.models import Asset, Export, Project
from flowai.editor.segments import cut_points, plan_segments
from flowai.editor.timeline import (
    MAX_HEIGHT,
    MAX_SECONDS,
    MAX_WIDTH,
    AssetInfo,
    CheckedTimeline,
    StaticAssets,
    TimelineInvalid,
    load_timeline,
    parse_rate,
    validate_timeline,
)

log = logging.getLogger("flowai.editor")
Storage = LocalStorage | S3Storage
MEDIA_MIMES = frozenset(m for kind in ("video", "audio", "image") for m in ALLOWED[kind])
PARKED = timedelta(days=30)  # a join job waits this long at most for its segments
EMPTY_TIMELINE: dict[str, Any] = {
    "version": 1,
    "canvas": {"width": 1920, "height": 1080, "fps": "30", "background": "#000000"},
    "video_tracks": [{"id": "v1", "clips": [], "transitions": []}],
    "audio_tracks": [{"id": "a1", "clips": []}],
    "overlays": [],
}


# --- jobs in the caller's transaction -----------------------------------------------------------


def enqueue(
    s: Session,
    jobs: JobQueue,
    *,
    kind: str,
    payload: dict[str, Any],
    owner_id: str | None,
    idempotency_key: str | None = None,
    parked: bool = False,
    stage: str = "queued",
) -> Job:
    """Add a job row to `s`; it is dispatched after commit (a parked job waits to be released)."""
    return jobs.enqueue_in(
        s,
        kind=kind,
        payload=payload,
        owner_id=owner_id,
        idempotency_key=idempotency_key,
        run_after=utcnow() + PARKED if parked else None,
        stage=stage,
        dispatch=not parked,
    )


# --- assets --------------------------------------------------------------------------------------


def visible(row: Asset | Project | Export, principal: Principal) -> bool:
    """Members see their own rows; tenant admins and owners see the tenant's."""
    return row.owner_id == principal.user_id or principal.role != "member"


def asset_info(row: Asset, path: Path | None = None) -> AssetInfo:
    """The asset as the timeline sees it (audio counts milliseconds, as media.probe does)."""
    if row.kind == "audio":
        frames, fps = row.duration_us // 1000, Fraction(1000)
    else:
        frames, fps = row.frames, Fraction(row.fps)
    return AssetInfo(
        tenant_id=row.tenant_id,
        path=path or Path(row.storage_key),
        duration_frames=frames,
        fps=fps,
        width=row.width,
        height=row.height,
        has_audio=row.audio_codec is not None,
        kind=row.kind,  # type: ignore[arg-type]
    )


@dataclass
class DbAssets:
    """AssetResolver over the tenant-bound session: someone else's asset is simply not found."""

    s: Session
    user_id: str | None
    see_all: bool
    rows: dict[str, Asset] = field(default_factory=dict)

    def get(self, asset_id: str) -> AssetInfo | None:
        row = self.s.get(Asset, asset_id)
        if row is None or not (self.see_all or row.owner_id == self.user_id):
            return None
        self.rows[asset_id] = row
        return asset_info(row)

    @classmethod
    def for_principal(cls, s: Session, principal: Principal) -> DbAssets:
        return cls(s, principal.user_id, principal.role != "member")


def fetch(storage: Storage, key: str, workdir: Path) -> Path:
    """A local path of a stored object: the file itself on local storage, else a download into
    `workdir` (a temporary folder the caller removes)."""
    path = storage.local_path(key)
    if path is not None:
        return path
    dest = workdir / f"{new_id()}-{key.rsplit('/', 1)[-1]}"
    with storage.open(key) as src, dest.open("wb") as out:
        shutil.copyfileobj(src, out, 1024 * 1024)
    return dest


def inspect_media(path: Path) -> MediaInfo:
    """Probe and test-decode an upload; MediaError says what is wrong with it.

    The kind comes from what the file holds, never from its name, and the picture size is checked
    from the headers *before* anything is decoded: a 30000x30000 PNG is refused unread."""
    try:  # a still image's header, read by Pillow without decoding
        check_image(path, max_width=MAX_WIDTH, max_height=MAX_HEIGHT, what="picture")
    except ImageRejected as exc:
        if exc.too_large:
            raise MediaError(f"{exc} (8K)") from exc
        # not a (readable) still image: PyAV decides below, as for any media
    info = probe(path)
    if info.width > MAX_WIDTH or info.height > MAX_HEIGHT:
        raise MediaError(f"the picture is {info.width}x{info.height}; at most {MAX_WIDTH}x{MAX_HEIGHT} (8K)")
    verify_decodes(path)
    if info.duration > MAX_SECONDS:
        raise MediaError(f"the file lasts {float(info.duration):.0f} s; at most {MAX_SECONDS} s (4 hours)")
    if info.kind == "video" and info.video_codec is None:
        raise MediaError("no video stream")
    return info


async def create_asset(
    s: Session,
    ctx: AppContext,
    principal: Principal,
    *,
    tenant_id: str,
    filename: str,
    chunks: AsyncIterator[bytes],
) -> Asset:
    """Stream an upload to storage, probe it, record it and queue its thumbnails/waveform/proxy
    jobs; anything unusable is deleted again and reported as 413/415/422."""
    asset_id = new_id()
    name = safe_filename(filename, f"media-{asset_id}")
    key = f"t/{tenant_id}/editor/assets/{asset_id}/{name}"
    limit = ctx.settings.upload_limit_bytes("video")
    try:
        stored = await ctx.storage.save_stream(key, chunks, limit)
    except TooLarge as exc:
        raise field_error(
            413, "too-large", "body", f"media uploads are limited to {limit // 2**20} MiB"
        ) from exc
    try:
        mime = sniff(stored.head)
        if mime not in MEDIA_MIMES:
            raise field_error(
                415,
                "unsupported-media",
                "body",
                f"the file's content is {mime or 'not a recognised media format'}; "
                "upload MP4, MOV, WebM, MKV, WAV, MP3, OGG, M4A, FLAC, PNG, JPEG, WebP or GIF",
            )
        with tempfile.TemporaryDirectory(prefix="flowai-probe-") as tmp:
            path = await asyncio.to_thread(fetch, ctx.storage, key, Path(tmp))
            try:
                info = await asyncio.to_thread(inspect_media, path)
            except MediaError as exc:
                # The upload's own name, never the server path it was probed at.
                reason = str(exc).removeprefix(f"{path.name}: ").replace(str(path.parent), "")
                raise field_error(422, "unreadable-media", "body", f"{name}: {reason}") from exc
        # Database work off the event loop: waiting for SQLite's write lock there would stop the
        # loop, and with it the request that holds the lock and must commit (parallel uploads
        # stalled for the 30 s busy timeout, then failed with "database is locked").
        row = await asyncio.to_thread(
            _record_asset, s, ctx, principal, asset_id=asset_id, name=name, mime=mime, key=key,
            stored_size=stored.size, sha256=stored.sha256, info=info,
        )  # fmt: skip
    except BaseException:
        ctx.storage.delete(key)
        raise
    return row


def _record_asset(
    s: Session,
    ctx: AppContext,
    principal: Principal,
    *,
    asset_id: str,
    name: str,
    mime: str | None,
    key: str,
    stored_size: int,
    sha256: str,
    info: MediaInfo,
) -> Asset:
    """Insert a probed asset and queue its thumbnails/waveform/proxy jobs (in `s`'s transaction)."""
    row = Asset(
        id=asset_id,
        owner_id=principal.user_id,
        kind=info.kind,
        filename=name,
        content_type=mime or "application/octet-stream",
        size=stored_size,
        sha256=sha256,
        storage_key=key,
        duration_us=int(info.duration * 1_000_000),
        fps=f"{info.fps.numerator}/{info.fps.denominator}",
        frames=info.frames,
        width=info.width,
        height=info.height,
        video_codec=info.video_codec,
        audio_codec=info.audio_codec,
        audio_channels=info.audio_channels,
        audio_rate=info.audio_rate,
    )
    s.add(row)
    s.flush()
    wanted = {
        "thumbnails": info.kind in ("video", "image"),
        "waveform": info.has_audio,
        "proxy": info.kind == "video",
    }
    row.jobs = {
        job: enqueue(
            s,
            ctx.jobs,
            kind=f"editor.asset.{job}",
            payload={"asset_id": asset_id},
            owner_id=principal.user_id,
        ).id
        for job, want in wanted.items()
        if want
    }
    s.flush()
    return row


def get_asset(s: Session, principal: Principal, asset_id: str) -> Asset:
    row = s.get(Asset, asset_id)
    if row is None or not visible(row, principal):
        raise not_found("Asset")
    return row


def list_assets(principal: Principal) -> Select[Any]:
    stmt = select(Asset)
    return stmt if principal.role != "member" else stmt.where(Asset.owner_id == principal.user_id)


def delete_asset(s: Session, storage: Storage, principal: Principal, asset_id: str) -> None:
    """Delete the row and every stored file of it (timelines that use it fail validation later)."""
    row = get_asset(s, principal, asset_id)
    keys = [k for k in (row.storage_key, row.proxy_key, row.thumbnails_key, row.waveform_key) if k]
    s.delete(row)
    s.flush()
    for key in keys:
        storage.delete(key)


# --- projects and timelines ------------------------------------------------------------------------


def check_timeline(
    s: Session, principal: Principal, doc: dict[str, Any] | bytes | str, *, tenant_id: str
) -> CheckedTimeline:
    """Parse and validate a timeline against the caller's assets; 422 naming every bad field."""
    try:
        return validate_timeline(
            load_timeline(doc), tenant_id=tenant_id, assets=DbAssets.for_principal(s, principal)
        )
    except TimelineInvalid as exc:
        raise invalid_timeline(exc) from exc


def invalid_timeline(exc: TimelineInvalid) -> Problem:
    errors = [{"field": issue.path or "body", "message": issue.msg} for issue in exc.issues]
    return Problem(422, "invalid-timeline", str(exc), errors=errors)


def create_project(
    s: Session, principal: Principal, *, tenant_id: str, name: str, timeline: dict[str, Any] | None
) -> Project:
    checked = check_timeline(s, principal, timeline or EMPTY_TIMELINE, tenant_id=tenant_id)
    row = Project(owner_id=principal.user_id, name=name, timeline=checked.timeline.model_dump(mode="json"))
    s.add(row)
    s.flush()
    return row


def get_project(s: Session, principal: Principal, project_id: str) -> Project:
    """A project the caller owns (tenant admins and owners reach every project)."""
    row = s.get(Project, project_id)
    if row is None or not visible(row, principal):
        raise not_found("Project")
    return row


def list_projects(principal: Principal) -> Select[Any]:
    stmt = select(Project)
    return stmt if principal.role != "member" else stmt.where(Project.owner_id == principal.user_id)


def delete_project(s: Session, principal: Principal, project_id: str) -> None:
    s.delete(get_project(s, principal, project_id))
    s.flush()


def parse_version(if_match: str | None, version: int | None) -> int:
    """The version a write is based on, from `If-Match: "3"` (or `?version=3`); 428 without."""
    if if_match is not None:
        tag = if_match.strip().removeprefix("W/").strip('"')
        if tag.isdigit():
            return int(tag)
        raise field_error(400, "bad-precondition", "If-Match", 'use the ETag of the project, e.g. "3"')
    if version is not None:
        return version
    raise Problem(
        428,
        "precondition-required",
        "Send If-Match with the project's ETag (or ?version=) so a stale editor cannot overwrite newer work.",
    )


def save_timeline(
    s: Session, project: Project, checked: CheckedTimeline, *, expected_version: int
) -> Project:
    """Store a validated timeline if the project is still at `expected_version`; 409 otherwise.

    A conditional UPDATE, so two writers racing from the same version cannot both win."""
    doc = checked.timeline.model_dump(mode="json")
    result = s.execute(
        update(Project)
        .where(Project.id == project.id, Project.version == expected_version)
        .values(timeline=doc, version=expected_version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        s.refresh(project)
        raise Problem(
            409,
            "version-conflict",
            f"The project is at version {project.version}, not {expected_version}: "
            "reload it, re-apply your change and save again.",
            headers={"ETag": f'"{project.version}"'},
        )
    s.refresh(project)
    return project


# --- exports ---------------------------------------------------------------------------------------


def create_export(
    s: Session,
    ctx: AppContext,
    principal: Principal,
    project: Project,
    *,
    tenant_id: str,
    preset: str,
    quality: str,
    idempotency_key: str | None,
) -> Export:
    """Queue the render of the project's current timeline; a replayed Idempotency-Key returns the
    first export. With segmenting on, the video is split at cut points into one job per segment
    plus an audio job, and the export's own job (the one the client follows) joins them."""
    if idempotency_key:
        existing = s.execute(
            select(Export).where(
                Export.owner_id == principal.user_id, Export.idempotency_key == idempotency_key
            )
        ).scalar_one_or_none()
        if existing is not None:
            return existing
    checked = check_timeline(s, principal, project.timeline, tenant_id=tenant_id)
    if checked.duration <= 0:
        raise field_error(
            422, "empty-timeline", "timeline", "the timeline has no clips or overlays to render"
        )
    windows = [(0, checked.duration)]
    seconds = ctx.settings.editor_segment_seconds
    if seconds > 0 and cut_points(checked):
        target = max(1, round(Fraction(seconds) * checked.timeline.canvas.fps))
        windows = [(w.start, w.end) for w in plan_segments(checked, target_frames=target)]
    row = Export(
        project_id=project.id,
        owner_id=principal.user_id,
        project_version=project.version,
        timeline=checked.timeline.model_dump(mode="json"),
        preset=preset,
        quality=quality,
        segments=[list(w) for w in windows],
        idempotency_key=idempotency_key,
    )
    try:
        with s.begin_nested():
            s.add(row)
            s.flush()
    except IntegrityError:  # the same key raced in from another request
        return s.execute(
            select(Export).where(
                Export.owner_id == principal.user_id, Export.idempotency_key == idempotency_key
            )
        ).scalar_one()
    split = len(windows) > 1
    job = enqueue(
        s,
        ctx.jobs,
        kind="editor.export",
        payload={"export_id": row.id},
        owner_id=principal.user_id,
        parked=split,
        stage=f"waiting for {len(windows)} segments" if split else "queued",
    )
    row.job_id = job.id
    if split:
        for n in range(len(windows)):
            enqueue(s, ctx.jobs, kind="editor.export.segment", payload={"export_id": row.id, "index": n},
                    owner_id=principal.user_id)  # fmt: skip
        enqueue(
            s, ctx.jobs, kind="editor.export.audio", payload={"export_id": row.id}, owner_id=principal.user_id
        )
    s.flush()
    return row


def list_exports(project: Project) -> Select[Any]:
    return select(Export).where(Export.project_id == project.id)


def get_export(s: Session, principal: Principal, export_id: str) -> Export:
    row = s.get(Export, export_id)
    if row is None or not visible(row, principal):
        raise not_found("Export")
    return row


def export_status(s: Session, row: Export) -> str:
    """The export's own status, or its job's when the job ended without the export noticing
    (cancelled while waiting for segments, or failed by the platform)."""
    if row.status in ("succeeded", "failed", "cancelled") or row.job_id is None:
        return row.status
    job = s.get(Job, row.job_id)
    if job is not None and job.status in ("failed", "cancelled"):
        return job.status
    return "running" if job is not None and job.status == "running" else row.status


def output_filename(row: Export) -> str:
    return f"export-{row.id}-{row.preset}.mp4"


# --- Magic Cut -------------------------------------------------------------------------------------


def start_magic_cut(
    s: Session,
    ctx: AppContext,
    principal: Principal,
    asset: Asset,
    *,
    params: dict[str, Any],
    idempotency_key: str | None,
) -> Job:
    """Queue the analysis of one asset (speech, silences, scenes) as a job."""
    if asset.kind == "image":
        raise field_error(422, "validation", "asset_id", "Magic Cut needs an audio or video asset")
    existing = replayed(s, principal.user_id, idempotency_key)
    if existing is not None:
        return existing
    return enqueue(s, ctx.jobs, kind="editor.magic_cut", payload={"asset_id": asset.id, **params},
                   owner_id=principal.user_id, idempotency_key=idempotency_key)  # fmt: skip


def apply_magic_cut(
    s: Session, principal: Principal, project: Project, *, tenant_id: str, job_id: str, track_id: str | None
) -> CheckedTimeline:
    """The project's timeline with what the Magic Cut job found silent rippled out (padding kept)."""
    job = s.get(Job, job_id)
    if job is None or job.kind != "editor.magic_cut" or job.owner_id != principal.user_id:
        raise field_error(422, "validation", "job_id", "no Magic Cut job with this id")
    if job.status != "succeeded" or not job.result:
        raise field_error(409, "job-not-finished", "job_id", f"the Magic Cut job is {job.status}")
    asset_id = str(job.payload["asset_id"])
    checked = check_timeline(s, principal, project.timeline, tenant_id=tenant_id)
    tracks = [t.id for t in checked.timeline.video_tracks if any(c.asset_id == asset_id for c in t.clips)]
    track = track_id or (tracks[0] if tracks else None)
    if track is None or track not in tracks:
        raise field_error(422, "validation", "track_id", f"no video track with clips of asset {asset_id!r}")
    speech = [(float(a), float(b)) for a, b in job.result.get("speech", [])]
    if not speech:
        raise field_error(
            422, "no-speech", "job_id", "Magic Cut found no speech in this asset; nothing to keep"
        )
    cut = apply_cuts(checked, track, {asset_id: speech})
    return check_timeline(s, principal, cut.model_dump(mode="json"), tenant_id=tenant_id)


# --- interchange -----------------------------------------------------------------------------------


def export_interchange(
    s: Session, principal: Principal, project: Project, fmt: str, *, tenant_id: str
) -> str:
    """The timeline as .otio, FCP 7 XML or EDL; media references are `flowai://assets/<id>`."""
    checked = check_timeline(s, principal, project.timeline, tenant_id=tenant_id)
    try:
        return interchange.write(
            checked, fmt, name=project.name, media_url=lambda asset_id: interchange.ASSET_URL + asset_id
        )
    except Exception as exc:  # an adapter refusing this timeline (EDL limits, mostly)
        raise field_error(422, "interchange", "format", f"cannot write {fmt}: {exc}") from exc


def edl_rate(project: Project, fps: str | None) -> Fraction:
    """The rate an imported EDL's timecodes are read at: `fps` when given, else the project's."""
    value = fps if fps is not None else str((project.timeline.get("canvas") or {}).get("fps", "30"))
    try:
        return parse_rate(value)
    except ValueError as exc:
        raise field_error(422, "invalid-fps", "fps", str(exc)) from exc


def import_interchange(
    s: Session, principal: Principal, data: bytes, fmt: str, *, tenant_id: str, edl_rate: Fraction
) -> CheckedTimeline:
    """An .otio (or FCP XML / EDL) document as a validated timeline of the caller's assets; an
    EDL's timecodes are read at `edl_rate`."""
    try:
        tl = interchange.read(data.decode("utf-8"), fmt, edl_rate=edl_rate)
    except (UnicodeDecodeError, ValueError) as exc:
        raise field_error(422, "interchange", "body", str(exc)) from exc
    resolver = DbAssets.for_principal(s, principal)

    def resolve(clip: Any) -> tuple[str, AssetInfo] | None:
        meta = clip.metadata.get("flowai", {})
        url = getattr(clip.media_reference, "target_url", None) or ""
        asset_id = interchange.asset_id_from_url(url) or meta.get("asset_id")
        info = resolver.get(str(asset_id)) if asset_id else None
        return (str(asset_id), info) if info else None

    try:
        doc = interchange.from_otio(tl, resolve)
    except TimelineInvalid as exc:
        raise invalid_timeline(exc) from exc
    return check_timeline(s, principal, doc, tenant_id=tenant_id)


# --- used by the jobs ------------------------------------------------------------------------------


def materialise(s: Session, storage: Storage, doc: dict[str, Any], *, tenant_id: str, owner_id: str | None,
                workdir: Path) -> CheckedTimeline:  # fmt: skip
    """Validate a stored timeline again (assets may be gone) with every asset at a local path."""
    resolver = DbAssets(s, owner_id, see_all=True)
    tl = load_timeline(doc)
    validate_timeline(tl, tenant_id=tenant_id, assets=resolver)  # raises TimelineInvalid
    local: dict[str, AssetInfo] = {}
    for asset_id, row in resolver.rows.items():
        local[asset_id] = asset_info(row, fetch(storage, row.storage_key, workdir))
    return validate_timeline(tl, tenant_id=tenant_id, assets=StaticAssets(local))


def part_keys(row: Export) -> list[str]:
    """Storage keys of a segmented export's parts: one MP4 per segment, then the audio."""
    base = f"t/{row.tenant_id}/editor/exports/{row.id}/parts"
    return [f"{base}/segment-{n:04d}.mp4" for n in range(len(row.segments))] + [f"{base}/audio.m4a"]
